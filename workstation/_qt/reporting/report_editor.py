"""The report editor beside the images: exam header, one text box per section, priors' reports, dictation.

Everything it does goes through ``ReportSession``; the widget only shows it and turns keys into calls.
Drafts are saved every few seconds and whenever focus leaves a section.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QScrollArea, QSplitter, QTextBrowser, QVBoxLayout, QWidget

from workstation.core.errors import WorkstationError
from workstation.reporting.macros import expand_at, load_macros
from workstation.reporting.report import Report, ReportStatus, SignatureKind
from workstation.reporting.report_session import ReportSession
from workstation._qt.reporting.dictation_bar import DictationBar

log = logging.getLogger(__name__)

AUTOSAVE_MS = 3000


def report_text(report: Report) -> str:
    """A signed report as plain text, for the priors pane."""
    lines = [f"{report.exam.study_date}  {report.exam.procedure}  ({report.status.value})"]
    for section in report.sections:
        if section.text.strip():
            lines += [f"{section.name}:", section.text.strip()]
    lines += [f"Addendum: {addendum.text}" for addendum in report.addenda]
    return "\n".join(lines)


class ReportEditor(QWidget):
    message = Signal(str)
    signed = Signal(object)  # the Delivery of a signed version or addendum (the audit trail hears it)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: ReportSession | None = None
        self.editors: dict[str, QPlainTextEdit] = {}
        self.macros: dict[str, str] = {}
        self.header = QLabel("No exam open")
        self.header.setWordWrap(True)
        self.status = QLabel()
        self.sections_widget = QWidget()
        self.sections_layout = QVBoxLayout(self.sections_widget)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.sections_widget)
        self.priors = QTextBrowser()
        self.priors.setPlaceholderText("No prior reports")
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(scroll)
        splitter.addWidget(self.priors)
        splitter.setSizes([600, 200])
        self.addendum = QPlainTextEdit()
        self.addendum.setPlaceholderText("Addendum to the final report (Ctrl+Shift+A signs it)")
        self.addendum.setMaximumHeight(90)
        self.addendum.hide()
        self.dictation_bar = DictationBar()
        layout = QVBoxLayout(self)
        for widget in (self.header, self.status, splitter, self.addendum, self.dictation_bar):
            layout.addWidget(widget)
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()

    # opening -----------------------------------------------------------------------------------------
    def open_session(self, session: ReportSession) -> None:
        if self.session is not None:
            self.close_session()
        self.session = session
        try:
            self.macros = load_macros()
        except WorkstationError as error:
            self.macros = {}
            self.message.emit(str(error))
        exam = session.report.exam
        self.header.setText(f"<b>{exam.patient_name.replace('^', ', ')}</b> ({exam.patient_id}) — "
                            f"{exam.procedure or exam.modality} {exam.study_date} — accession {exam.accession_number}")
        self.priors.setPlainText("\n\n".join(report_text(prior) for prior in session.priors()))
        self._build_sections()
        self.dictation_bar.set_controls(None)

    def _build_sections(self) -> None:
        while self.sections_layout.count():
            self.sections_layout.takeAt(0).widget().deleteLater()
        self.editors.clear()
        report = self.session.report
        for section in report.sections:
            editor = QPlainTextEdit(section.text)
            editor.setObjectName(f"section-{section.name}")
            editor.setReadOnly(not self.session.editable)
            editor.setTabChangesFocus(True)
            editor.textChanged.connect(lambda name=section.name, box=editor: self._changed(name, box))
            editor.installEventFilter(self)
            self.sections_layout.addWidget(QLabel(f"<b>{section.name}</b>"))
            self.sections_layout.addWidget(editor)
            self.editors[section.name] = editor
        self.addendum.setVisible(report.status is ReportStatus.FINAL)
        self._show_status()

    def _show_status(self) -> None:
        report = self.session.report
        signed = ", ".join(f"{s.kind.value} by {s.signer}" for s in report.signatures)
        keys = f"{len(report.key_images)} key image(s)"
        self.status.setText(f"{report.status.value.upper()}" + (f" — signed {signed}" if signed else "") + f" — {keys}")

    def _changed(self, name: str, editor: QPlainTextEdit) -> None:
        if self.session is not None and self.session.editable:
            self.session.set_section(name, editor.toPlainText())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.FocusOut:
            self.autosave()
        return False

    # commands ----------------------------------------------------------------------------------------
    def autosave(self) -> None:
        if self.session is None:
            return
        try:
            self.session.autosave()
        except OSError as error:
            log.error("draft autosave failed: %s", error)
            self.message.emit(f"The draft could not be saved ({error}); check the disk.")

    def focus_section(self, step: int) -> None:
        """Move to the next (1) or previous (-1) section, or to the first when none has focus."""
        boxes = list(self.editors.values())
        if not boxes:
            return
        current = next((i for i, box in enumerate(boxes) if box.hasFocus()), None)
        target = boxes[0] if current is None else boxes[(current + step) % len(boxes)]
        target.setFocus()
        target.moveCursor(QTextCursor.MoveOperation.End)

    def current_editor(self) -> QPlainTextEdit | None:
        boxes = list(self.editors.values())
        focused = next((box for box in boxes if box.hasFocus()), None)
        return focused or self.editors.get("Findings") or (boxes[0] if boxes else None)

    def insert_text(self, text: str) -> None:
        editor = self.current_editor()
        if editor is None or editor.isReadOnly():
            self.message.emit("The report cannot be edited now.")
            return
        editor.textCursor().insertText(text)

    def expand_macro(self) -> None:
        editor = self.current_editor()
        if editor is None or editor.isReadOnly():
            return
        cursor = editor.textCursor()
        expanded = expand_at(editor.toPlainText(), cursor.position(), self.macros)
        if expanded is None:
            self.message.emit("No macro before the cursor.")
            return
        text, position = expanded
        editor.setPlainText(text)
        cursor = editor.textCursor()
        cursor.setPosition(position)
        editor.setTextCursor(cursor)

    def sign(self, kind: SignatureKind) -> bool:
        if self.session is None:
            self.message.emit("Open an exam before signing.")
            return False
        try:
            delivery = self.session.sign(kind)
        except WorkstationError as error:
            self.message.emit(str(error))
            return False
        self._build_sections()
        self.dictation_bar.set_controls(None)
        queued = ("PDF, SR" + (", key images" if delivery.kos_uid else "")
                  + (", RIS result" if delivery.oru_control_id else ""))
        self.message.emit(f"Report signed {delivery.report.status.value}; queued for sending: {queued}.")
        self.signed.emit(delivery)
        return True

    def sign_addendum(self) -> bool:
        if self.session is None:
            return False
        try:
            delivery = self.session.add_addendum(self.addendum.toPlainText())
        except WorkstationError as error:
            self.message.emit(str(error))
            return False
        self.addendum.clear()
        self._build_sections()
        self.message.emit("Addendum signed and queued for sending.")
        self.signed.emit(delivery)
        return True

    def dictation(self):
        """The exam's dictation controls (None without an exam), shown in the dictation bar."""
        if self.session is None:
            self.message.emit("Open an exam before dictating.")
            return None
        controls = self.session.dictation_controls()
        self.dictation_bar.set_controls(controls)
        return controls

    def close_session(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None
            self.dictation_bar.set_controls(None)
