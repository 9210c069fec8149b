"""Plugging the PACS into the main window: the service's life (start with the window, stop on close), the
query/retrieve page, its command ``pacs.show`` (keymap + menu), and the worklist's prefetch hook."""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow

from workstation.core.errors import WorkstationError
from workstation.net.job_queue import Priority
from workstation.net.outbox import Outbox, TransferListener
from workstation.net.service import PacsService
from workstation._qt.command_keys import command_action, load_keymap
from workstation._qt.pacs.panel import PacsPanel

log = logging.getLogger(__name__)

COMMANDS = (("pacs.show", "PACS query/retrieve"),)
PREFETCH_PRIORS = 2


class PacsScreen(QObject):
    """Owns the running PacsService and the PACS page of one main window."""

    def __init__(self, window: QMainWindow, service: PacsService | None, problem: str = "") -> None:
        super().__init__(window)
        self.window = window
        self.service = service
        self.panel = PacsPanel(window.archive, service, problem)
        window.pages.addWidget(self.panel)
        self.panel.study_retrieved.connect(lambda _uid: window.refresh())
        self.panel.open_requested.connect(window.open_study)
        self.actions: dict[str, QAction] = {}
        self._add_commands()
        if service is not None and service.storage_problem:
            window.statusBar().showMessage(f"C-MOVE is off: {service.storage_problem}", 30_000)
        window.installEventFilter(self)

    def _add_commands(self) -> None:
        keymap = load_keymap("PACS")
        handlers = {"pacs.show": self.show_panel}
        menu = self.window.add_menu("&PACS")
        for command_id, title in COMMANDS:
            action = command_action(self.window, command_id, title, handlers[command_id], keymap)
            menu.addAction(action)
            self.actions[command_id] = action

    def show_panel(self) -> None:
        self.window.pages.setCurrentWidget(self.panel)
        self.panel.focus_search()

    def offer_when_archive_empty(self) -> None:
        """A new user's first screen: with nothing local yet and a PACS configured, show the PACS page listing
        what the first node holds, up to its query limit (the archive is checked in a worker; a big one is
        never listed on the GUI)."""
        if self.service is None or not self.service.settings.nodes:
            return
        self.panel.tasks.submit(lambda: not self.window.archive.patients(), self._archive_checked,
                                lambda text: log.warning("archive check: %s", text), "Checking the local archive")

    def _archive_checked(self, empty: bool) -> None:
        if empty and self.window.pages.currentWidget() is self.window.study_browser:
            self.show_panel()
            self.panel.search(browse=True)

    def prefetch_node(self) -> str:
        """The worklist's PACS node (worklist settings ``pacs_node``), else the first configured node."""
        worklist = getattr(self.window, "worklist_dock", None)
        named = getattr(getattr(worklist, "config", None), "pacs_node", "")
        if named:
            return named
        nodes = self.service.settings.nodes if self.service else ()
        return nodes[0].name if nodes else ""

    def prefetch_study(self, study_instance_uid: str) -> None:
        """Fetch a study and its priors in the background (the worklist's next exam); never raises."""
        node = self.prefetch_node()
        if self.service is None or not node or not study_instance_uid:
            log.info("no PACS node to prefetch %s from", study_instance_uid)
            return
        refusal = self.panel.access.refusal(study_instance_uid)
        if refusal:
            log.info("not prefetching study %s: %s", study_instance_uid, refusal)
            return
        try:
            job = self.service.open_study(node, study_instance_uid, priors=PREFETCH_PRIORS,
                                          listener=self.panel.bridge.listener,
                                          visible=self.panel.access.visible_studies, priority=Priority.NEXT)
        except WorkstationError as error:
            log.error("prefetch of the next exam failed: %s", error)
            self.window.statusBar().showMessage(f"Prefetching the next exam failed: {error}", 15_000)
            return
        self.panel.track(job)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.window and event.type() == QEvent.Type.Close:
            self.shutdown()
        return False

    def shutdown(self) -> None:
        """Cancel running retrieves (what arrived stays), stop hearing them, stop the service."""
        for job in self.panel.jobs.running():
            job.cancel()
        self.panel.shutdown()
        if self.service is not None:
            self.service.stop()


def install_pacs(window: QMainWindow, service: PacsService | None = None,
                 outbox_listener: TransferListener | None = None) -> PacsScreen:
    """Start the PACS service (unless given one, already started) and add the PACS page to ``window``
    (then ``window.pacs_screen``). Unreadable PACS settings leave the page with the reason, never a crash.
    ``outbox_listener`` hears every try of the outbox to send (the audit trail), from its first send on."""
    problem = ""
    if service is None:
        try:
            service = PacsService(window.archive, outbox=Outbox(on_transfer=outbox_listener)).start()
        except WorkstationError as error:
            log.error("PACS service not started: %s", error)
            problem = f"The PACS connection could not start: {error}"
            service = None
    screen = PacsScreen(window, service, problem)
    window.pacs_screen = screen
    screen.offer_when_archive_empty()
    return screen
