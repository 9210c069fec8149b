"""The reading screen on one screen (the Xvfb display) and, with fake screen geometry, on its own screens."""

from __future__ import annotations

import pytest

from workstation._qt.main_window import MainWindow
from workstation._qt.reading.reading_view import ReadingView
from workstation.archive import Archive
from workstation._qt.reading.screen_placement import ReadingOnOtherScreen, ScreenPlacement, qt_screens
from workstation.viewer.screen_arrangement import IMAGES, STUDY_LIST, ScreenArrangementStore, ScreenInfo

pytestmark = pytest.mark.gui


@pytest.fixture
def archive(tmp_path):
    with Archive(tmp_path / "archive") as opened:  # empty: the study list has nothing to show
        yield opened


@pytest.fixture
def main_window(qtbot, archive):
    window = MainWindow(archive)
    qtbot.addWidget(window)
    return window


def test_one_screen_keeps_the_reading_screen_in_the_main_window(qtbot, main_window, tmp_path):
    screens = qt_screens()
    assert len(screens) == 1 and screens[0].primary
    reading = ReadingView()
    placement = ScreenPlacement(main_window, reading, store=ScreenArrangementStore(tmp_path / "s.json"))
    assert placement.image_window is None and main_window.reading_screen is reading
    assert reading.image_screens == 1


def test_two_grey_screens_give_the_hanging_two_image_screens(qtbot, main_window, tmp_path):
    screens = [ScreenInfo("colour", 0, 0, 1920, 1080, primary=True), ScreenInfo("grey-1", 1920, 0, 1536, 2048),
               ScreenInfo("grey-2", 3456, 0, 1536, 2048)]
    reading = ReadingView()
    placement = ScreenPlacement(main_window, reading, screens, ScreenArrangementStore(tmp_path / "s.json"),
                                ("reader", "ws1"))
    qtbot.addWidget(placement.image_window)
    assert reading.image_screens == 2


def test_two_screens_put_the_images_in_their_own_window_and_remember_a_move(qtbot, main_window, archive, tmp_path):
    screens = [ScreenInfo("colour", 0, 0, 1920, 1080, primary=True), ScreenInfo("grey", 1920, 0, 1600, 1200)]
    store = ScreenArrangementStore(tmp_path / "s.json")
    reading = ReadingView(archive)
    placement = ScreenPlacement(main_window, reading, screens, store, ("reader", "ws1"))
    window = placement.image_window
    qtbot.addWidget(window)
    assert window is not None and window.reading is reading
    assert (window.geometry().x(), window.geometry().width()) == (1920, 1600)
    stand_in = main_window.reading_screen
    assert isinstance(stand_in, ReadingOnOtherScreen)
    assert stand_in.registry is reading.registry and stand_in.session is reading.session  # docks drive the real one
    main_window.open_study("1.2.3")  # not in the archive: the message shows in the image window
    assert "could not be opened" in reading.status.text()
    qtbot.waitUntil(lambda: main_window.pages.currentWidget() is main_window.study_browser)
    # the reader swaps the windows: remembered for this user, station and pair of screens
    main_window.setGeometry(2000, 100, 1200, 800)
    window.setGeometry(0, 0, 1920, 1080)
    placement.record()
    again = ScreenPlacement(MainWindow(archive), ReadingView(archive), screens, store, ("reader", "ws1"))
    qtbot.addWidget(again.main_window)
    qtbot.addWidget(again.image_window)
    assert again.placements == {STUDY_LIST: (1920, 0, 1600, 1200), IMAGES: (0, 0, 1920, 1080)}
