"""The main window: the study list now, the reading screen once installed, a status bar for messages."""

from __future__ import annotations

import logging
import platform
from pathlib import Path
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import Signal, qVersion
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow, QMenu, QMessageBox, QStackedWidget, QWidget

from workstation import __version__
from workstation.archive import Archive, ImportReport
from workstation.settings.site import site_config_path
from workstation._qt.background import BackgroundTasks
from workstation._qt.study_browser import StudyBrowser

log = logging.getLogger(__name__)


def about_text(archive: Archive) -> str:
    """Version and where this station keeps its state: what support asks for first."""
    site = site_config_path()
    return (f"Workstation {__version__}\n"
            f"Python {platform.python_version()}, Qt {qVersion()}\n"
            f"Local archive: {archive.folder}\n"
            f"Site configuration: {site}{'' if site.is_file() else ' (none)'}")


class ReadingScreen(Protocol):
    """What the reading screen (workstation/_qt/reading/) offers the main window."""

    def open_study(self, study_instance_uid: str) -> None: ...


class MainWindow(QMainWindow):
    study_opened = Signal(str)  # Study Instance UID shown in the reading screen (the report editor follows it)

    def __init__(self, archive: Archive, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Workstation {__version__}")
        self.resize(1400, 900)
        self.archive = archive
        self.tasks = BackgroundTasks(self)
        self.study_browser = StudyBrowser(archive, self.tasks)
        self.reading_screen: QWidget | None = None
        # asked before a study opens (security: access list, break the glass, audit); False keeps it closed
        self.open_gate: Callable[[str], bool] = lambda study_instance_uid: True
        self.pages = QStackedWidget()
        self.pages.addWidget(self.study_browser)
        self.home_page: QWidget = self.study_browser  # where "Study list" returns (the clinicians' mode has its own)
        self.setCentralWidget(self.pages)

        self.archive_label = QLabel()
        self.archive_label.setToolTip(f"Local archive: {archive.folder}")
        self.statusBar().addPermanentWidget(self.archive_label)
        self.study_browser.status_message.connect(self.statusBar().showMessage)
        self.study_browser.summary_changed.connect(self.archive_label.setText)
        self.study_browser.study_opened.connect(self.open_study)
        self._build_menus()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        for title, shortcut, handler in (
            ("&Import folder…", QKeySequence("Ctrl+I"), self.choose_folder_to_import),
            ("&Refresh study list", QKeySequence(QKeySequence.StandardKey.Refresh), self.refresh),
            ("Study &list", QKeySequence("Ctrl+L"), self.show_study_list),
            ("&Quit", QKeySequence(QKeySequence.StandardKey.Quit), self.close),
        ):
            action = QAction(title, self)
            action.setShortcut(shortcut)
            action.triggered.connect(handler)
            file_menu.addAction(action)
        help_menu = self.help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About Workstation", self)
        about.triggered.connect(lambda: QMessageBox.about(self, "About Workstation", about_text(self.archive)))
        help_menu.addAction(about)

    def add_menu(self, title: str) -> QMenu:
        """A screen's menu (PACS, User...), placed before Help, which stays the last menu whenever it is added."""
        menu = QMenu(title, self)
        self.menuBar().insertMenu(self.help_menu.menuAction(), menu)
        return menu

    def refresh(self) -> None:
        self.study_browser.refresh()

    def install_reading_screen(self, screen: QWidget) -> None:
        """Plug in the reading screen: from then on, opening a study shows it there. ``screen`` must have
        ``open_study(study_instance_uid)`` (see ReadingScreen) and may call ``show_study_list()`` to return."""
        self.reading_screen = screen
        self.pages.addWidget(screen)

    def open_study(self, study_instance_uid: str) -> bool:
        """Show the study; False when the open gate kept it closed (e.g. the break-the-glass dialog was
        cancelled), so a caller such as the worklist does not claim it opened."""
        if not self.open_gate(study_instance_uid):
            return False
        if self.reading_screen is None:
            self.study_browser.show_study_details(study_instance_uid)
            return True
        self.reading_screen.open_study(study_instance_uid)
        self.pages.setCurrentWidget(self.reading_screen)
        self.study_opened.emit(study_instance_uid)
        return True

    def show_study_list(self) -> None:
        self.pages.setCurrentWidget(self.home_page)
        if self.home_page is self.study_browser:
            self.study_browser.show_study_list()

    def choose_folder_to_import(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import DICOM files from a folder")
        if folder:
            self.import_folder(Path(folder))

    def import_folder(self, folder: Path) -> None:
        """Import in a worker, then refresh the study list and report what happened."""
        self.statusBar().showMessage(f"Importing {folder}…")
        self.tasks.submit(
            lambda: self.archive.import_paths([folder]),
            self._imported,
            lambda message: self.statusBar().showMessage(f"Import failed: {message}"),
            f"Importing {folder}",
        )

    def _imported(self, report: ImportReport) -> None:
        message = f"Imported {report.imported} images, {report.duplicates} already here"
        if report.problems:
            first_path, first_problem = report.problems[0]
            message += f"; {len(report.problems)} could not be read (first: {first_path.name}: {first_problem})"
        self.statusBar().showMessage(message + ".")
        self.refresh()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.tasks.wait_until_idle():
            log.warning("background jobs still running while the window closes")
        super().closeEvent(event)
