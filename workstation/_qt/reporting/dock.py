"""Putting the report editor into the main window: a dock beside the images, the dictation and report
commands with their keys (foot pedals send keys too), push-to-talk, key images and measurements from the
reading screen, the transcriptionist's dock, and the sender that delivers queued report objects to the PACS."""

from __future__ import annotations

import getpass
import logging

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow

from workstation.core.errors import WorkstationError
from workstation.core.keymap import Keymap
from workstation.dicom.reading import read_dataset
from workstation.net.outbox import Outbox, OutboxSender
from workstation.reporting.dictation import DictationStore
from workstation.reporting.dictation_controls import COMMANDS as DICTATION_COMMANDS
from workstation.reporting.exam_source import exam_from_archive
from workstation.reporting.measurement_text import measurement_sentences
from workstation.reporting.outputs import ReportOutputs
from workstation.reporting.report import Exam, KeyImage, SignatureKind
from workstation.reporting.report_session import ReportSession
from workstation.settings.pacs_nodes import load_pacs_settings
from workstation.worklist.exam import ReadingStatus
from workstation._qt.command_gate import CommandGate
from workstation._qt.command_keys import command_action, load_keymap, rebind_shortcuts
from workstation._qt.reporting.report_editor import ReportEditor
from workstation._qt.reporting.transcription_view import TranscriptionView

log = logging.getLogger(__name__)

REPORT_COMMANDS = {
    "report.toggle_editor": "Show/hide the report",
    "report.next_section": "Next report section",
    "report.previous_section": "Previous report section",
    "report.expand_macro": "Expand the macro before the cursor",
    "report.insert_measurements": "Insert the measurements into the report",
    "report.flag_key_image": "Flag/unflag the image as a key image",
    "report.sign_preliminary": "Sign preliminary (resident)",
    "report.sign_final": "Sign final",
    "report.sign_addendum": "Sign the addendum",
    "report.transcription_queue": "Show/hide the transcription queue",
    "report.transcription_done": "Mark the transcription done",
    "dictation.recover": "Recover dictations cut off by a crash",
}
PUSH_TO_TALK = "dictation.push_to_talk"


class ReportDock(QObject):
    def __init__(self, window: QMainWindow, author: str | None = None, outputs: ReportOutputs | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.author = author or getpass.getuser()
        self.sender: OutboxSender | None = None
        self.outputs = outputs or self._default_outputs()
        self.editor = ReportEditor()
        self.editor.message.connect(self._status)
        self.dock = self._dock("Report", "report-dock", self.editor, Qt.DockWidgetArea.RightDockWidgetArea)
        self.transcription = TranscriptionView()
        self.transcription.message.connect(self._status)
        self.transcription_dock = self._dock("Transcription", "transcription-dock", self.transcription,
                                             Qt.DockWidgetArea.RightDockWidgetArea)
        self.transcription_dock.hide()
        self.actions: dict[str, QAction] = {}
        self.gate = CommandGate(self._status)  # which report and dictation commands the user's role may run
        self._push_keys: set[str] = set()
        self._dictated: set[str] = set()  # accession numbers already moved to "dictated"
        self._add_commands()
        QApplication.instance().installEventFilter(self)
        window.destroyed.connect(self.stop)
        self._resume_outputs()
        self._offer_recovery()  # last: the status line keeps the offer

    def _dock(self, title: str, name: str, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self.window)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.window.addDockWidget(area, dock)
        return dock

    def _default_outputs(self) -> ReportOutputs:
        """Reports go to the first configured PACS node (queued until one exists) and, with a RIS, to the RIS.

        With the window's PACS service running (window.pacs_screen), its outbox and sender are used; else
        this dock runs a sender of its own, so that there is one sender per outbox.
        """
        ris_outbox = getattr(getattr(self.window, "worklist_dock", None), "outbox", None)
        service = getattr(getattr(self.window, "pacs_screen", None), "service", None)
        settings = service.settings if service is not None else load_pacs_settings()
        node = settings.nodes[0].name if settings.nodes else "pacs"
        if service is not None:
            return ReportOutputs(pacs_outbox=service.outbox, pacs_node=node, ris_outbox=ris_outbox,
                                 send=service.send if settings.nodes else None)
        outbox = Outbox()
        if settings.nodes:
            self.sender = OutboxSender(outbox, settings.node, settings.local).start()
        return ReportOutputs(pacs_outbox=outbox, pacs_node=node, ris_outbox=ris_outbox)

    # commands ----------------------------------------------------------------------------------------
    def _handlers(self) -> dict:
        return {
            "report.toggle_editor": lambda: self.dock.setVisible(not self.dock.isVisible()),
            "report.next_section": lambda: self.editor.focus_section(1),
            "report.previous_section": lambda: self.editor.focus_section(-1),
            "report.expand_macro": self.editor.expand_macro,
            "report.insert_measurements": self.insert_measurements,
            "report.flag_key_image": self.flag_key_image,
            "report.sign_preliminary": lambda: self.sign(SignatureKind.PRELIMINARY),
            "report.sign_final": lambda: self.sign(SignatureKind.FINAL),
            "report.sign_addendum": self.editor.sign_addendum,
            "report.transcription_queue": self.toggle_transcription,
            "report.transcription_done": self.transcription.complete,
            "dictation.recover": self.recover_dictations,
            "dictation.record_toggle": lambda: self._dictate("record_toggle"),
            "dictation.play_pause": lambda: self._dictate("play_pause"),
            "dictation.rewind": lambda: self._dictate("rewind"),
            "dictation.fast_forward": lambda: self._dictate("fast_forward"),
            "dictation.to_start": lambda: self._dictate("to_start"),
            "dictation.to_end": lambda: self._dictate("to_end"),
            "dictation.toggle_insert_overwrite": lambda: self._dictate("toggle_insert_overwrite"),
            "dictation.mark_span": lambda: self._dictate("mark_span"),
            "dictation.delete_span": lambda: self._dictate("delete_span"),
        }

    def _add_commands(self) -> None:
        keymap = load_keymap("report")
        titles = {**REPORT_COMMANDS, **DICTATION_COMMANDS}
        for command_id, handler in self._handlers().items():
            handler = self.gate.wrap(command_id, titles[command_id], handler)
            action = command_action(self.window, command_id, titles[command_id], handler, keymap)
            self.window.addAction(action)
            self.actions[command_id] = action
        self._push_keys = {QKeySequence(key).toString() for key in keymap.keys_for(PUSH_TO_TALK)}

    def apply_keymap(self, keymap: Keymap) -> None:
        """The keys of another keymap (a new user's), push-to-talk included."""
        rebind_shortcuts(self.actions, keymap)
        self._push_keys = {QKeySequence(key).toString() for key in keymap.keys_for(PUSH_TO_TALK)}

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """Push-to-talk: record while the key (or pedal) is held down."""
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) and isinstance(event, QKeyEvent):
            if QKeySequence(event.keyCombination()).toString() in self._push_keys:
                if not event.isAutoRepeat():  # the first object to see the key consumes it: one start, one stop
                    self._push_to_talk(event.type() == QEvent.Type.KeyPress)
                return True
        return False

    def _push_to_talk(self, pressed: bool) -> None:
        controls = self._controls()
        if controls is None or not self.gate.allowed(PUSH_TO_TALK):
            return
        try:
            controls.start_recording() if pressed else controls.stop_recording()
        except WorkstationError as error:
            self._status(str(error))
        self._mark_dictated(controls)

    def _controls(self):
        if self.transcription_dock.isVisible() and self.transcription.controls is not None:
            return self.transcription.controls
        return self.editor.dictation()

    def _dictate(self, action: str) -> None:
        controls = self._controls()
        if controls is None:
            return
        try:
            getattr(controls, action)()
        except WorkstationError as error:
            self._status(str(error))
        self._mark_dictated(controls)

    def _mark_dictated(self, controls) -> None:
        """Once the reader has recorded audio for the exam on screen, the worklist shows it as dictated
        (in progress -> dictated, and on to the RIS); later takes change nothing."""
        worklist = getattr(self.window, "worklist_dock", None)
        if worklist is None or controls is self.transcription.controls or controls.recording:
            return
        if controls.dictation.duration_seconds <= 0 or controls.dictation.accession_number in self._dictated:
            return
        try:
            worklist.set_status(ReadingStatus.DICTATED)
        except WorkstationError as error:
            log.info("worklist status not set to dictated: %s", error)
            return
        self._dictated.add(controls.dictation.accession_number)

    # exams, images, measurements ---------------------------------------------------------------------
    def open_study(self, study_instance_uid: str) -> None:
        if not self.gate.allowed("report.toggle_editor"):
            return  # a role with no reporting tools (clinician): no report opens with the images
        archive = getattr(self.window, "archive", None)
        try:
            exam = exam_from_archive(archive, study_instance_uid)
            self.open_exam(exam)
        except WorkstationError as error:
            self._status(f"The report cannot be opened: {error}")

    def open_exam(self, exam: Exam) -> None:
        self.editor.open_session(ReportSession(exam, self.author, self.outputs))
        self.dock.show()

    def _reading_session(self):
        return getattr(getattr(self.window, "reading_screen", None), "session", None)

    def insert_measurements(self) -> None:
        session = self._reading_session()
        sentences = measurement_sentences(session) if session is not None else []
        if not sentences:
            self._status("There are no measurements on the current exam to insert.")
            return
        self.editor.insert_text("\n".join(sentences))

    def flag_key_image(self) -> None:
        session = self._reading_session()
        if self.editor.session is None or session is None or session.active_viewport.stack is None:
            self._status("Open an exam and show an image to flag it as a key image.")
            return
        viewport = session.active_viewport
        source = viewport.stack.sources[viewport.slice_index]
        try:
            header = read_dataset(source.path, header_only=True)
        except WorkstationError as error:
            self._status(str(error))
            return
        frames = int(getattr(header, "NumberOfFrames", 1) or 1)
        image = KeyImage(str(header.SOPClassUID), str(header.SOPInstanceUID), str(header.SeriesInstanceUID),
                         source.frame_index + 1 if frames > 1 else None)
        flagged = self.editor.session.toggle_key_image(image)
        self.editor._show_status()
        self._status(f"Image {viewport.slice_index + 1} {'flagged' if flagged else 'no longer flagged'} as a key image.")

    def sign(self, kind: SignatureKind) -> None:
        if not self.editor.sign(kind):
            return
        worklist = getattr(self.window, "worklist_dock", None)
        if worklist is not None:
            status = ReadingStatus.FINAL if kind is SignatureKind.FINAL else ReadingStatus.PRELIMINARY
            try:
                worklist.set_status(status)
            except WorkstationError as error:
                log.info("worklist status not changed: %s", error)
        if self.sender is not None:
            self.sender.wake()

    def _offer_recovery(self) -> None:
        """After a crash: say how many dictations were cut off and which key recovers them."""
        unfinished = DictationStore().unfinished()
        if unfinished:
            keys = " or ".join(key.toString() for key in self.actions["dictation.recover"].shortcuts()) or "Recover"
            self._status(f"{len(unfinished)} dictation(s) were cut off by a crash or power loss: press {keys} "
                         "to recover them (all but at most the last second).")

    def _resume_outputs(self) -> None:
        """Reports signed just before a crash: queue what they still need to send."""
        try:
            resumed = self.outputs.resume()
        except WorkstationError as error:
            log.error("resuming report outputs: %s", error)
            self._status(f"Signed reports could not be queued for sending: {error}")
            return
        if resumed:
            self._status(f"{len(resumed)} signed report(s) from before the restart queued for sending.")

    def recover_dictations(self) -> None:
        recovered = DictationStore().recover()
        seconds = sum(dictation.duration_seconds for dictation in recovered)
        self._status(f"Recovered {len(recovered)} dictation(s), {seconds:.0f} s of audio; they wait for transcription."
                     if recovered else "No cut-off dictations to recover.")
        self.transcription.refresh()

    def toggle_transcription(self) -> None:
        visible = not self.transcription_dock.isVisible()
        self.transcription_dock.setVisible(visible)
        if visible:
            self.transcription.refresh()
            self.transcription.text.setFocus()

    def _status(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 15_000)

    def stop(self) -> None:
        self.editor.close_session()
        if self.sender is not None:
            self.sender.stop()
            self.sender = None


def install_report_editor(window: QMainWindow, author: str | None = None,
                          outputs: ReportOutputs | None = None) -> ReportDock:
    """Dock the report editor into ``window`` (then ``window.report_dock``); each opened study opens its report."""
    dock = ReportDock(window, author, outputs)
    window.study_opened.connect(dock.open_study)
    window.report_dock = dock
    return dock
