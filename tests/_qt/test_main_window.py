"""The main window on the demo archive: study list, keyboard navigation, thumbnails, messages, screenshot."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

import workstation._qt.study_browser as study_browser_module
from workstation._qt.main_window import MainWindow
from workstation.archive import Archive
from workstation.demo import write_demo_studies
from workstation.demo.catalog import CHEST_CT_CURRENT, CHEST_RADIOGRAPH_CURRENT, DEMO_STUDIES, HEAD_MR
from workstation.settings.home import archive_folder

SETTLE_TIMEOUT_MS = 30_000

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def image_array(image: QImage) -> np.ndarray:
    """RGB pixels of a QImage as a (rows, columns, 3) array."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    buffer = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    return buffer.reshape(image.height(), image.bytesPerLine())[:, : image.width() * 3].reshape(image.height(), image.width(), 3)


def row_texts(window: MainWindow, row: int) -> list[str]:
    model = window.study_browser.study_model
    return [model.data(model.index(row, column)) for column in range(model.columnCount())]


def series_texts(window: MainWindow) -> list[str]:
    series_list = window.study_browser.series_list
    return [series_list.item(row).text() for row in range(series_list.count())]


def select_study(qtbot, window: MainWindow, accession_number: str) -> None:
    browser = window.study_browser
    for row in range(browser.study_model.rowCount()):
        if browser.study_model.study_at(row).accession_number == accession_number:
            with qtbot.waitSignal(browser.settled, timeout=SETTLE_TIMEOUT_MS):
                if browser.study_table.currentIndex().row() == row:
                    window.refresh()  # reloads the selected study's series
                else:
                    browser.study_table.selectRow(row)
            return
    raise AssertionError(f"no study with accession {accession_number}")


def test_the_window_lists_the_demo_studies_newest_first(main_window: MainWindow) -> None:
    model = main_window.study_browser.study_model
    assert model.rowCount() == len(DEMO_STUDIES)
    dates = [row_texts(main_window, row)[2] for row in range(model.rowCount())]
    assert dates == sorted(dates, reverse=True)
    texts = {row_texts(main_window, row)[7]: row_texts(main_window, row) for row in range(model.rowCount())}
    assert texts[CHEST_CT_CURRENT.accession_number] == [
        "DEMO, Avery", "DEMO0001", "2025-03-11", "CT Chest without contrast", "CT", "2", "91", "DEMOA0102",
    ]
    assert main_window.archive_label.text() == "5 studies of 3 patients in the local archive."
    assert main_window.statusBar().currentMessage() == "1 series, 1 image."


def test_arrow_keys_move_through_studies_and_change_the_series(qtbot, main_window: MainWindow) -> None:
    browser = main_window.study_browser
    browser.study_table.setFocus()
    first = series_texts(main_window)
    assert browser.selected_study().accession_number == row_texts(main_window, 0)[7]
    with qtbot.waitSignal(browser.settled, timeout=SETTLE_TIMEOUT_MS):
        qtbot.keyClick(browser.study_table, Qt.Key.Key_Down)
    assert browser.selected_study().study_instance_uid == browser.study_model.study_at(1).study_instance_uid
    second = series_texts(main_window)
    assert second != first
    assert browser.selected_study().accession_number == CHEST_CT_CURRENT.accession_number
    assert [text.splitlines()[1] for text in second] == ["Scout AP", "Chest 3.0 mm"]
    assert second[1].splitlines()[2] == "90 images"
    with qtbot.waitSignal(browser.settled, timeout=SETTLE_TIMEOUT_MS):
        qtbot.keyClick(browser.study_table, Qt.Key.Key_Down)
    assert browser.selected_study().accession_number == HEAD_MR.accession_number
    assert "Accession" in browser.details.text() and HEAD_MR.accession_number in browser.details.text()


def test_thumbnails_show_the_images(qtbot, main_window: MainWindow, tmp_path: Path) -> None:
    select_study(qtbot, main_window, CHEST_CT_CURRENT.accession_number)
    series_list = main_window.study_browser.series_list
    qtbot.wait(50)
    screenshot = main_window.grab()
    screenshot_path = tmp_path / "main_window.png"
    assert screenshot.save(str(screenshot_path))
    for row in range(series_list.count()):
        rectangle = series_list.visualItemRect(series_list.item(row))
        icon_area = series_list.viewport().grab(rectangle.adjusted(0, 0, 0, -50)).toImage()
        pixels = image_array(icon_area).astype(float)
        # A thumbnail of anatomy has dark background and bright body: a wide spread of grey values.
        assert pixels.std() > 30, f"series {row} thumbnail looks uniform"
        assert pixels.max() > 200 and pixels.min() < 40
    whole = image_array(QImage(str(screenshot_path)))
    assert whole.shape[:2] == (main_window.height(), main_window.width())


def test_enter_shows_the_study_details_and_escape_returns(qtbot, main_window: MainWindow) -> None:
    browser = main_window.study_browser
    browser.study_table.setFocus()
    small = browser.series_list.iconSize()
    qtbot.keyClick(browser.study_table, Qt.Key.Key_Return)
    assert browser.series_list.iconSize().width() > small.width()
    assert browser.series_list.hasFocus()
    assert browser.series_list.currentRow() == 0
    assert "Body part" in browser.details.text()
    qtbot.keyClick(browser.series_list, Qt.Key.Key_Escape)
    assert browser.series_list.iconSize() == small
    assert browser.study_table.hasFocus()
    qtbot.keyClick(browser.study_table, Qt.Key.Key_Tab)
    assert browser.series_list.hasFocus()


class RecordingReadingScreen(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    def open_study(self, study_instance_uid: str) -> None:
        self.opened.append(study_instance_uid)


def test_an_installed_reading_screen_opens_the_study_on_enter(qtbot, main_window: MainWindow) -> None:
    screen = RecordingReadingScreen()
    main_window.install_reading_screen(screen)
    browser = main_window.study_browser
    browser.study_table.setFocus()
    qtbot.keyClick(browser.study_table, Qt.Key.Key_Return)
    assert screen.opened == [browser.selected_study().study_instance_uid]
    assert main_window.pages.currentWidget() is screen
    main_window.show_study_list()
    assert main_window.pages.currentWidget() is browser


def test_archive_queries_and_decoding_run_off_the_gui_thread(qtbot, main_window: MainWindow, monkeypatch) -> None:
    threads: dict[str, set[str]] = {"studies": set(), "series": set(), "thumbnail": set()}
    archive = main_window.archive
    original_studies, original_series = archive.studies, archive.series
    original_thumbnail = study_browser_module.series_thumbnail

    def recording(name, function):
        def wrapper(*args, **kwargs):
            threads[name].add(threading.current_thread().name)
            return function(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(archive, "studies", recording("studies", original_studies))
    monkeypatch.setattr(archive, "series", recording("series", original_series))
    monkeypatch.setattr(study_browser_module, "series_thumbnail", recording("thumbnail", original_thumbnail))
    with qtbot.waitSignal(main_window.study_browser.settled, timeout=SETTLE_TIMEOUT_MS):
        main_window.refresh()
    gui_thread = threading.current_thread().name
    assert all(names and gui_thread not in names for names in threads.values()), threads


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_a_damaged_file_in_the_archive_gives_a_message_not_a_crash(qtbot, main_window: MainWindow, damage: str) -> None:
    archive = main_window.archive
    study_uid = next(
        study.study_instance_uid for study in archive.studies() if study.accession_number == CHEST_RADIOGRAPH_CURRENT.accession_number
    )
    (series,) = archive.series(study_uid)
    (path,) = archive.instance_paths(series.series_instance_uid)
    if damage == "missing":
        path.unlink()
    else:
        path.write_bytes(b"DICM but not really" * 10)
    select_study(qtbot, main_window, CHEST_RADIOGRAPH_CURRENT.accession_number)
    message = main_window.statusBar().currentMessage()
    assert message.startswith("Series 1: no thumbnail:"), message
    assert ("file not found" if damage == "missing" else "DICOM") in message
    item = main_window.study_browser.series_list.item(0)
    assert item.toolTip() and item.toolTip() in message
    assert main_window.isVisible()
    select_study(qtbot, main_window, HEAD_MR.accession_number)
    assert "no thumbnail" not in main_window.statusBar().currentMessage()


def test_an_empty_archive_says_how_to_fill_it(qtbot, workstation_home: Path) -> None:
    with Archive(archive_folder()) as archive:
        window = MainWindow(archive)
        qtbot.addWidget(window)
        window.show()
        with qtbot.waitSignal(window.study_browser.settled, timeout=SETTLE_TIMEOUT_MS):
            window.refresh()
        assert window.study_browser.study_model.rowCount() == 0
        assert "demo-data --import" in window.study_browser.details.text()
        assert window.archive_label.text() == "No studies in the local archive."
        window.close()


def test_import_folder_adds_the_studies_and_refreshes(qtbot, workstation_home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "incoming"
    write_demo_studies(folder, studies=(HEAD_MR,))
    with Archive(archive_folder()) as archive:
        window = MainWindow(archive)
        qtbot.addWidget(window)
        window.show()
        with qtbot.waitSignal(window.study_browser.settled, timeout=SETTLE_TIMEOUT_MS):
            window.refresh()
        with qtbot.waitSignal(window.study_browser.settled, timeout=SETTLE_TIMEOUT_MS):
            window.import_folder(folder)
        assert window.study_browser.study_model.rowCount() == 1
        assert window.study_browser.selected_study().accession_number == HEAD_MR.accession_number
        window.close()


def run_workstation(arguments: list[str], environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workstation", *arguments], cwd=PROJECT_ROOT, env=environment,
        capture_output=True, text=True, timeout=120,
    )


def test_open_without_a_display_says_so(workstation_home: Path) -> None:
    environment = {key: value for key, value in os.environ.items() if key not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = run_workstation(["open"], environment)
    assert result.returncode == 2
    assert "no display found" in result.stderr and "xvfb-run" in result.stderr
    assert "Traceback" not in result.stderr


def test_open_screenshot_saves_the_window_and_exits(workstation_home: Path, demo_archive_template: Path, tmp_path: Path) -> None:
    shutil.copytree(demo_archive_template, archive_folder())
    screenshot = tmp_path / "window.png"
    result = run_workstation(["open", "--screenshot", str(screenshot)], dict(os.environ))
    assert result.returncode == 0, result.stderr
    image = QImage(str(screenshot))
    assert not image.isNull() and image.width() >= 800 and image.height() >= 600
    pixels = image_array(image).astype(float)
    assert pixels.std() > 20


def test_open_with_an_unusable_archive_folder_explains_and_exits(workstation_home: Path, tmp_path: Path) -> None:
    archive_folder().write_text("a file where the archive folder should be")
    result = run_workstation(["open", "--screenshot", str(tmp_path / "never.png")], dict(os.environ))
    assert result.returncode == 1
    assert "archive" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "never.png").exists()


def test_fast_scrolling_skips_thumbnails_of_studies_already_left(qtbot, main_window: MainWindow, monkeypatch) -> None:
    decoded: list[Path] = []
    original_thumbnail = study_browser_module.series_thumbnail

    def recording(path: Path, size: int):
        decoded.append(path)
        return original_thumbnail(path, size)

    monkeypatch.setattr(study_browser_module, "series_thumbnail", recording)
    browser = main_window.study_browser
    browser.study_table.setFocus()
    last = browser.study_model.study_at(browser.study_model.rowCount() - 1)

    def last_study_settled() -> bool:
        return browser.selected_study() == last and browser.series_list.count() == 1

    with qtbot.waitSignal(browser.settled, timeout=SETTLE_TIMEOUT_MS, check_params_cb=last_study_settled):
        for _ in range(browser.study_model.rowCount() - 1):
            qtbot.keyClick(browser.study_table, Qt.Key.Key_Down)
    icon = image_array(browser.series_list.item(0).icon().pixmap(64, 64).toImage()).astype(float)
    assert icon.std() > 30  # the radiograph, not the uniform placeholder
    # Only the last study's series need a thumbnail; earlier ones may have started, but not all of them.
    assert 1 <= len(decoded) < 6


def test_about_names_the_version_the_archive_and_the_site_configuration(main_window, tmp_path, monkeypatch):
    from workstation import __version__
    from workstation._qt.main_window import about_text

    site = tmp_path / "site.json"
    monkeypatch.setenv("WORKSTATION_SITE_CONFIG", str(site))
    text = about_text(main_window.archive)
    assert f"Workstation {__version__}" in text
    assert str(main_window.archive.folder) in text
    assert f"{site} (none)" in text
    site.write_text("{}")
    assert f"{site} (none)" not in about_text(main_window.archive)
    main_window.add_menu("&Later")  # a screen installed after the window is shown (the User menu after login)
    assert [action.text() for action in main_window.menuBar().actions()][-2:] == ["&Later", "&Help"]
