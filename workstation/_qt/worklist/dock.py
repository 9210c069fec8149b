"""Putting the worklist into the main window: a dock beside the images, its commands and keys, opening an
exam in the reading screen (locked, or read-only), releasing it when the reader leaves it or the window
closes, and the embedded worklist service (HL7 listener, pollers, RIS sender) a standalone station runs."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QEvent, QFileSystemWatcher, QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMainWindow

from workstation._qt.command_gate import CommandGate
from workstation._qt.command_keys import command_action, load_keymap, rebind_shortcuts
from workstation._qt.worklist.panel import WorklistPanel
from workstation.core.errors import WorkstationError
from workstation.settings.profile_folder import profile_folder
from workstation.core.keymap import Keymap, user_keymap_path
from workstation.worklist.config import WorklistConfig, load_worklist_config
from workstation.worklist.errors import WorklistError
from workstation.worklist.exam import Exam, ReadingStatus
from workstation.worklist.filters import load_filter
from workstation.worklist.patient_context import open_patient_record
from workstation.worklist.reader_session import ReaderSession
from workstation.worklist.service import WorklistService
from workstation.worklist.store import WorklistStore

log = logging.getLogger(__name__)

COMMANDS = (
    ("worklist.toggle", "Show/hide the worklist"),
    ("worklist.open_next", "Open the next exam on the worklist"),
    ("worklist.open_selected", "Open the exam selected in the worklist"),
    ("worklist.close_exam", "Close the exam (release its lock)"),
    ("worklist.patient_record", "Open the patient's record in the EHR"),
    ("worklist.filter", "Filter the worklist (Tab to the next filter)"),
)


class WorklistDock(QObject):
    """Owns the panel, the reading session and the embedded service for one main window."""

    def __init__(self, window: QMainWindow, store: WorklistStore, config: WorklistConfig,
                 prefetch: Callable[[Exam], None] | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.store = store
        self.config = config
        self.prefetch = prefetch
        self.service = WorklistService(config, store, on_change=None)
        self.outbox = self.service.outbox
        self.session = ReaderSession(store, config.reader(), config.lease_seconds, self._status_changed)
        self.panel = WorklistPanel(self.session, load_filter(), self.service.problems)
        self.dock = QDockWidget("Worklist", window)
        self.dock.setObjectName("worklist-dock")
        self.dock.setWidget(self.panel)
        self.dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                              | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)
        self.actions: dict[str, QAction] = {}
        self.gate = CommandGate(self._status_message)  # which worklist commands the user's role may run
        self._add_commands()
        # keys remapped in the keymap dialog (saved to the user's keymap file) apply at once
        self._keymap_watch = QFileSystemWatcher(self)
        self._keymap_watch.directoryChanged.connect(self._keymap_folder_changed)
        self.watch_keymap_folder()
        self.panel.study_requested.connect(self._show_study)
        self.panel.message.connect(self._status_message)
        self.panel.stat_announced.connect(self._status_message)
        pages = getattr(window, "pages", None)
        if pages is not None:
            pages.currentChanged.connect(self._page_changed)
        window.installEventFilter(self)

    def set_reader(self, name: str) -> None:
        """The logged-in user reads from now on: their name is on the locks and status changes (the previous
        reader's locks are released first)."""
        if name == self.session.user:
            return
        self.session.close_all()
        self.session = ReaderSession(self.store, name, self.config.lease_seconds, self._status_changed)
        self.panel.session = self.session
        self.panel.current_accession = ""
        self.panel.refresh()

    def start(self) -> "WorklistDock":
        """Start what this station runs itself (listener when a port is set, pollers, RIS sender)."""
        try:
            self.service.start(listen=bool(self.config.hl7_port))
        except WorkstationError as error:
            log.error("embedded worklist service: %s", error)
            self._status_message(str(error))
        self.panel.refresh()
        return self

    def watch_keymap_folder(self) -> None:
        """Watch the folder the signed-in user's keymap is saved in (their profile folder; see it again after
        another user signs in)."""
        folder = profile_folder()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            log.error("cannot watch the keymap folder %s: %s", folder, error)
            return
        if self._keymap_watch.directories():
            self._keymap_watch.removePaths(self._keymap_watch.directories())
        self._keymap_watch.addPath(str(folder))
        self._keymap_stamp = self._keymap_file_stamp()

    @staticmethod
    def _keymap_file_stamp() -> tuple[int, int] | None:
        try:
            status = user_keymap_path().stat()
        except OSError:
            return None
        return status.st_mtime_ns, status.st_size

    def _keymap_folder_changed(self, _folder: str) -> None:
        stamp = self._keymap_file_stamp()
        if stamp != self._keymap_stamp:
            self._keymap_stamp = stamp
            self.apply_keymap()

    def apply_keymap(self, keymap: Keymap | None = None) -> None:
        """Give every worklist command the keys the (user's) keymap binds now."""
        rebind_shortcuts(self.actions, keymap or load_keymap("worklist"))

    def focus_filters(self) -> None:
        self.dock.show()
        self.dock.raise_()
        self.panel.focus_filters()

    def _add_commands(self) -> None:
        keymap = load_keymap("worklist")
        handlers = {
            "worklist.toggle": lambda: self.dock.setVisible(not self.dock.isVisible()),
            "worklist.open_next": self.panel.open_next,
            "worklist.open_selected": self.panel.open_selected,
            "worklist.close_exam": self.panel.close_current,
            "worklist.patient_record": self.open_patient_record,
            "worklist.filter": self.focus_filters,
        }
        for command_id, title in COMMANDS:
            handler = self.gate.wrap(command_id, title, handlers[command_id])
            action = command_action(self.window, command_id, title, handler, keymap)
            self.window.addAction(action)
            self.actions[command_id] = action

    def _show_study(self, study_instance_uid: str, accession: str, read_only: bool) -> None:
        if self.window.open_study(study_instance_uid) is False:  # the open gate refused (glass not broken)
            if accession == self.panel.current_accession:
                self.panel.close_current()
            self._status_message(f"Exam {accession} stayed closed: it is restricted and access was not granted.")
            return
        self._status_message(f"Exam {accession}" + (" (read-only)" if read_only else "") + " opened.")
        if self.prefetch is not None:
            following = self.session.following(accession)
            if following is not None and following.study_instance_uid:
                self.prefetch(following)

    def _status_changed(self, exam: Exam, status: ReadingStatus) -> None:
        if self.config.ris_port:
            self.outbox.report_status_changed(exam.accession_number, status)

    def set_status(self, status: ReadingStatus) -> Exam:
        """Move the exam on screen on (dictated, preliminary, final): recorded in the store with the
        reader's name, and queued for the RIS. The reporting screen calls this."""
        if not self.panel.current_accession:
            raise WorklistError("No exam is open with a lock; open it from the worklist first.")
        exam = self.session.set_status(self.panel.current_accession, status)
        self.panel.refresh()
        return exam

    def open_patient_record(self) -> None:
        accession = self.panel.current_accession or self.panel.selected_accession()
        if not accession:
            self._status_message("Select an exam first to open the patient's record.")
            return
        try:
            open_patient_record(self.config.ehr_template, self.store.exam(accession))
        except WorkstationError as error:
            self._status_message(str(error))

    def _page_changed(self, _index: int) -> None:
        if self.window.pages.currentWidget() is not getattr(self.window, "reading_screen", None):
            self.panel.close_current()

    def _status_message(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 15_000)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.window and event.type() == QEvent.Type.Close:
            self.shutdown()
        return False

    def shutdown(self) -> None:
        try:
            self.panel.shutdown()
        except WorkstationError as error:
            log.error("locks not released at close (they expire by themselves): %s", error)
        self.service.stop()
        self.store.close()


def install_worklist(window: QMainWindow, config: WorklistConfig | None = None,
                     prefetch: Callable[[Exam], None] | None = None) -> WorklistDock | None:
    """Dock the worklist into ``window`` (then ``window.worklist_dock``); None (and a status message) when
    its settings cannot be read. A store that cannot be opened yet (database away, disk problem) still
    gets the dock: its banner says why and each refresh tries again until it opens. ``prefetch(exam)`` is called with the exam "open next" would pick next, to
    fetch its images and priors, e.g. ``lambda exam: pacs.open_study(node, exam.study_instance_uid)``."""
    try:
        config = config or load_worklist_config()
        store = WorklistStore(config.store_location(), wait_if_unavailable=True)
    except WorkstationError as error:
        log.error("worklist not available: %s", error)
        window.statusBar().showMessage(f"The worklist is not available: {error}")
        return None
    dock = WorklistDock(window, store, config, prefetch).start()
    window.worklist_dock = dock  # how other screens (reporting) reach the worklist of this window
    return dock
