"""Putting the study list and the images on the console's screens (see viewer.screen_arrangement).

With one screen (or an arrangement that puts both on one) the reading screen is a page of the main window,
as before. Otherwise it lives in its own ImageWindow on the image screens, and the main window's reading
page is a stand-in that forwards the studies opened from the list, so the list stays on its screen.
Closing the main window records where the reader left both windows.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QMainWindow, QVBoxLayout, QWidget

from workstation._qt.reading.reading_view import ReadingView
from workstation.viewer.screen_arrangement import (
    IMAGES,
    STUDY_LIST,
    ScreenArrangementStore,
    ScreenInfo,
    arrange,
    remember,
    screens_under,
    user_and_station,
)

log = logging.getLogger(__name__)


def qt_screens() -> list[ScreenInfo]:
    primary = QGuiApplication.primaryScreen()
    screens = []
    for number, screen in enumerate(QGuiApplication.screens()):
        geometry = screen.geometry()
        screens.append(ScreenInfo(screen.name() or f"screen-{number + 1}", geometry.x(), geometry.y(),
                                  geometry.width(), geometry.height(), screen is primary))
    return screens


class ImageWindow(QMainWindow):
    """The reading screen in a window of its own, on the image screens."""

    def __init__(self, reading: ReadingView) -> None:
        super().__init__()
        self.setWindowTitle("Workstation – images")
        self.reading = reading
        self.setCentralWidget(reading)


class ReadingOnOtherScreen(QWidget):
    """The main window's reading page when the images have their own window: it forwards ``open_study``."""

    def __init__(self, main_window, image_window: ImageWindow) -> None:
        super().__init__()
        self._main_window = main_window
        self.image_window = image_window
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("The images are shown on the image screen."))

    def __getattr__(self, name: str):
        """Everything else (command registry, session, ...) is the real reading screen's, so the docks
        that drive ``main_window.reading_screen`` work the same on one screen or several."""
        if name == "image_window":  # not set yet (still in __init__): no recursion
            raise AttributeError(name)
        return getattr(self.image_window.reading, name)

    def open_study(self, study_instance_uid: str) -> None:
        self.image_window.reading.open_study(study_instance_uid)
        self.image_window.show()
        self.image_window.raise_()
        QTimer.singleShot(0, self._main_window.show_study_list)  # the list stays on its own screen


class ScreenPlacement(QObject):
    """Installs ``reading`` in ``main_window`` or in an ImageWindow, per the arrangement for these screens."""

    def __init__(self, main_window, reading: ReadingView, screens: list[ScreenInfo] | None = None,
                 store: ScreenArrangementStore | None = None, user_and_station_names: tuple[str, str] | None = None):
        super().__init__(main_window)
        self.main_window = main_window
        self.screens = screens or qt_screens()
        self.store = store or ScreenArrangementStore()
        self.user, self.station = user_and_station_names or user_and_station()
        self.placements = arrange(self.screens, self.store, self.user, self.station)
        self.image_window: ImageWindow | None = None
        if self.placements[IMAGES] == self.placements[STUDY_LIST]:
            main_window.install_reading_screen(reading)
        else:
            self.image_window = ImageWindow(reading)
            self.image_window.setGeometry(*self.placements[IMAGES])
            main_window.setGeometry(*self.placements[STUDY_LIST])
            main_window.install_reading_screen(ReadingOnOtherScreen(main_window, self.image_window))
            reading.image_screens = max(1, len(screens_under(self.screens, self.placements[IMAGES])))
            log.info("images on their own window at %s, study list at %s",
                     self.placements[IMAGES], self.placements[STUDY_LIST])
        main_window.installEventFilter(self)

    def show(self) -> None:
        self.main_window.show()
        if self.image_window is not None:
            self.image_window.show()

    def record(self) -> None:
        """Remember where the reader has put the windows (only when the images have their own)."""
        if self.image_window is None:
            return
        rects = {}
        for panel, window in ((STUDY_LIST, self.main_window), (IMAGES, self.image_window)):
            geometry = window.geometry()
            rects[panel] = (geometry.x(), geometry.y(), geometry.width(), geometry.height())
        remember(self.screens, self.store, self.user, self.station, rects)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.main_window and event.type() == QEvent.Type.Close:
            self.record()
            if self.image_window is not None:
                self.image_window.close()
        return False
