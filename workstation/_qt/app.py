"""Starting the Qt application: the archive, the main window, and the ``--screenshot`` check mode."""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from workstation import __version__
from workstation.archive import Archive
from workstation.core.errors import WorkstationError
from workstation.security.audit.transfers import outbox_auditor
from workstation.security.station import StationSecurity
from workstation._qt.main_window import MainWindow
from workstation._qt.hanging.controller import HangingController
from workstation._qt.pacs.screen import install_pacs
from workstation._qt.reading.reading_view import ReadingView
from workstation._qt.reading.screen_placement import ScreenPlacement
from workstation._qt.reading.screenshot import save_screenshot
from workstation._qt.worklist.dock import install_worklist
from workstation._qt.reporting.dock import install_report_editor
from workstation._qt.security.controller import install_security

log = logging.getLogger(__name__)

SCREENSHOT_DEADLINE_MS = 30_000


def application() -> QApplication:
    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("Workstation")
    app.setApplicationVersion(__version__)
    return app


def build_main_window(archive: Archive) -> MainWindow:
    """The main window with every screen plugged in (also what the self-test opens)."""
    window = MainWindow(archive)
    reading = ReadingView(archive)
    hanging = HangingController(reading, archive)  # each opened exam is hung by its best hanging protocol
    window.statusBar().addPermanentWidget(hanging.status_label)
    # one screen: the reading screen is a page of the main window; several: images get their own window
    window.screen_placement = ScreenPlacement(window, reading)
    return window


def run_application(screenshot: str | None = None) -> int:
    """Open the main window on the local archive; with ``screenshot``, save the window as PNG once the
    study list and thumbnails are shown, then exit (status 0 if saved). An archive that cannot be
    opened is shown in a dialog and raised for the command line to report."""
    app = application()
    try:
        # Security first: a station key that cannot open security.sqlite stops everything before the archive,
        # which would otherwise start an empty index under a new key and drop the cache.
        security = StationSecurity.open(background_forwarding=True)
        archive = Archive.open_default()
    except WorkstationError as error:
        if not screenshot:  # a check run must never wait on a dialog; the command line reports it too
            QMessageBox.critical(None, "Workstation", str(error))
        raise
    if archive.lost_key_message and not screenshot:  # encrypted files of a lost key were dropped as missing
        QMessageBox.warning(None, "Workstation", archive.lost_key_message)
    try:
        window = build_main_window(archive)
        # the PACS page and its service, after security so the outbox's sends are audited from the first one
        pacs = install_pacs(window, outbox_listener=outbox_auditor(security.trail))
        app.aboutToQuit.connect(pacs.shutdown)  # also when the app quits without closing the window
        install_worklist(window, prefetch=lambda exam: pacs.prefetch_study(exam.study_instance_uid))
        install_report_editor(window)  # the report editor and dictation (workstation/_qt/reporting/)
        if install_security(window, security, interactive=not screenshot) is None:  # login (_qt/security/)
            return 0
        window.screen_placement.show()
        _close_on_termination_signals(window)
        if screenshot:
            _save_screenshot_when_settled(window, Path(screenshot), app)
        window.refresh()
        return app.exec()
    except WorkstationError as error:  # a screen that cannot start: nothing may run half set up
        if not screenshot:
            QMessageBox.critical(None, "Workstation", str(error))
        raise
    finally:
        archive.close()


def _close_on_termination_signals(window: MainWindow) -> None:
    """Ctrl+C in the terminal or SIGTERM from a session manager closes the window as its X button does,
    so locks are released and services stopped instead of a traceback and a killed process."""
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: window.close())
    wake = QTimer(window)  # Python only runs signal handlers between its own bytecodes: tick now and then
    wake.timeout.connect(lambda: None)
    wake.start(250)
    log.info("window open; Ctrl+C or SIGTERM closes it like its close button")


def _save_screenshot_when_settled(window: MainWindow, path: Path, app: QApplication) -> None:
    def save() -> None:
        app.exit(0 if save_screenshot(window, path) else 1)

    def settled_too_late() -> None:
        log.warning("the window did not settle within %d ms; saving the screenshot as it is", SCREENSHOT_DEADLINE_MS)
        save()

    deadline = QTimer(window)
    deadline.setSingleShot(True)
    deadline.timeout.connect(settled_too_late)
    deadline.start(SCREENSHOT_DEADLINE_MS)

    def settled() -> None:
        window.study_browser.settled.disconnect(settled)
        deadline.stop()
        QTimer.singleShot(200, save)  # let the last thumbnails paint

    window.study_browser.settled.connect(settled)
