"""Plugs security into the main window: login at start, filters on every study and exam list, the open
gate (access list, break the glass, audit), idle lock, switch user, keywords, the clinicians' mode.

No accounts on the station: a single-user station as before (logged), only the audit of study opening.
"""

from __future__ import annotations

import getpass
import logging
from pathlib import Path

from pydicom.errors import InvalidDicomError
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QDialog, QDockWidget, QLabel, QMainWindow, QMessageBox, QWidget

from workstation.core.errors import ArchiveError, WorkstationError
from workstation.core.keymap import Keymap, KeymapError
from workstation.core.stored_file import dcmread_stored
from workstation.security.encryption_at_rest import cache_encryption
from workstation.security.errors import AuthenticationError, SecurityError
from workstation.security.audit.messages import USE_OF_RESTRICTED_FUNCTION, PatientRef
from workstation.security.restricted_rows import restricted_row
from workstation.security.roles import Permission, Role
from workstation.security.session import UserSession
from workstation.security.station import StationSecurity
from workstation.security.users import User
from workstation.settings.profile_folder import set_profile_user
from workstation.viewer.window_presets import WindowPresets
from workstation.worklist.filters import load_filter
from workstation._qt.command_keys import command_action, load_keymap, rebind_shortcuts
from workstation._qt.security.break_glass_dialog import BreakGlassDialog
from workstation._qt.security.clinician_selector import ClinicianSelector, simple_hanging
from workstation._qt.security.command_permissions import may_run
from workstation._qt.security.keyword_dialog import KeywordDialog
from workstation._qt.security.lock_screen import LockScreen
from workstation._qt.security.pacs_access import SecurePacsAccess
from workstation._qt.security.login_dialog import LoginDialog

log = logging.getLogger(__name__)

# the reading room's docks, hidden in the clinicians' mode (their commands are refused too: command_permissions)
READING_ROOM_DOCKS = ("report", "transcription", "worklist")
INPUT_EVENTS = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel}
COMMANDS = (  # id, menu title, needs a logged-in user
    ("security.lock_screen", "&Lock screen", True),
    ("security.switch_user", "&Switch user…", True),
    ("keyword.tag", "&Keyword for this exam…", False),
    ("security.mark_confidential", "Mark this exam &confidential", True),
)


class SecurityController(QObject):
    def __init__(self, window: QMainWindow, security: StationSecurity, user: User | None) -> None:
        super().__init__(window)
        self.window, self.security, self.user = window, security, user
        self.current_study = ""
        self.ask_reason = self._ask_reason  # replaced in tests; returns the reason or None
        self.session = UserSession(user, security.settings.idle_lock_minutes * 60) if user else None
        security.policy.apply_header_rules(window.archive)  # before any list shows (no cost without rules)
        self.user_label = QLabel()
        window.statusBar().addPermanentWidget(self.user_label)
        window.study_browser.study_filter = self.visible_studies
        window.study_browser.restricted_rows = self.restricted_study_rows
        window.open_gate = self.may_open
        reading = self.reading_view()
        self.site_hanging = reading.hanging_planner if reading is not None else None  # the clinicians' mode swaps it
        if reading is not None:
            reading.visible_studies = self.visible_studies
        panel = self.worklist_panel()
        if panel is not None:
            panel.visible_exams = self.visible_exams
            panel.restricted_rows = self.restricted_exam_rows
        report = getattr(window, "report_dock", None)
        if report is not None:
            report.editor.signed.connect(self.report_signed)
        for dock in (report, getattr(window, "worklist_dock", None)):
            if dock is not None:  # their commands follow the roles table, for whoever is logged in
                dock.gate.allowed = lambda command_id: may_run(self.user, command_id)
        pacs = self.pacs_panel()
        if pacs is not None:
            local_aet = pacs.service.settings.local.aet if pacs.service is not None else "-"
            pacs.access = SecurePacsAccess(security, lambda: self.user, self.audit_name, local_aet)
        self.lock_screen = LockScreen(window, security)
        self.lock_screen.unlocked.connect(self._unlocked)
        self.lock_screen.switch_user_requested.connect(self.switch_user)
        placement = getattr(window, "screen_placement", None)
        if placement is not None and placement.image_window is not None:
            self.lock_screen.also_cover(placement.image_window)
        self.selector: ClinicianSelector | None = None
        self.docks_hidden: list[QDockWidget] = []  # by the clinicians' mode, shown again for the next user
        self._add_actions()
        self.idle_timer = QTimer(self)
        self.idle_timer.timeout.connect(self._check_idle)
        if self.session is not None:
            QApplication.instance().installEventFilter(self)
            self.idle_timer.start(1000)
        self._apply_user()

    # --- wiring ---
    def reading_view(self):
        screen = self.window.reading_screen
        if screen is None:
            return None
        image_window = getattr(screen, "image_window", None)
        return image_window.reading if image_window is not None else screen

    def worklist_panel(self):
        dock = getattr(self.window, "worklist_dock", None)
        return dock.panel if dock is not None else None

    def pacs_panel(self):
        screen = getattr(self.window, "pacs_screen", None)
        return screen.panel if screen is not None else None

    def audit_name(self) -> str:
        """Who the audit trail names: the logged-in user, else the operating-system login."""
        return self.user.name if self.user else getpass.getuser()

    def _add_actions(self) -> None:
        """The User menu's commands, keys from the keymap (user overrides apply), also in the command registry."""
        keymap = load_keymap("security")
        handlers = {"security.lock_screen": self.lock, "security.switch_user": self.switch_user,
                    "keyword.tag": self.tag_current_study, "security.mark_confidential": self.mark_current_confidential}
        menu = self.window.add_menu("&User")
        self.actions: dict[str, QAction] = {}
        for command_id, title, needs_user in COMMANDS:
            action = command_action(self.window, command_id, title, handlers[command_id], keymap)
            action.setEnabled(self.user is not None or not needs_user)
            menu.addAction(action)
            self.actions[command_id] = action

    def _apply_profile(self) -> None:
        """The signed-in user's own keys, window presets and worklist filters (settings.profile_folder); report
        macros follow by themselves, being read at each report's opening."""
        set_profile_user(self.user.name if self.user else "")
        worklist = getattr(self.window, "worklist_dock", None)
        reading = self.reading_view()
        try:
            keymap = Keymap.load()
        except KeymapError as error:  # unlike at start-up, keep the keys in place rather than turn them off
            log.error("%s's keymap unreadable, keys unchanged: %s", self.audit_name, error)
        else:
            if reading is not None:
                reading.keymap = keymap
            for screen in (worklist, getattr(self.window, "report_dock", None)):
                if screen is not None:
                    screen.apply_keymap(keymap)
            pacs = getattr(self.window, "pacs_screen", None)
            rebind_shortcuts({**(pacs.actions if pacs is not None else {}), **self.actions}, keymap)
        if reading is not None:
            try:
                reading.session.presets = WindowPresets.load()
            except WorkstationError as error:
                log.error("%s's window presets unreadable, presets unchanged: %s", self.audit_name, error)
        if worklist is not None:
            worklist.watch_keymap_folder()
            worklist.panel.set_filter(load_filter())

    def _apply_user(self) -> None:
        user = self.user
        if user is not None:
            self._apply_profile()
        report = getattr(self.window, "report_dock", None)
        if report is not None and user is not None:
            report.author = user.name  # reports opened from now on are signed by the logged-in user
        worklist = getattr(self.window, "worklist_dock", None)
        if worklist is not None and user is not None:
            try:
                worklist.set_reader(user.name)  # locks and status changes carry the logged-in user's name
            except WorkstationError as error:
                log.error("worklist reader not changed to %s: %s", user.name, error)
        self.user_label.setText(f"User: {user.name} ({user.role.value})" if user else "Single-user station")
        clinician = user is not None and user.role is Role.CLINICIAN
        if clinician:
            for dock in self.window.findChildren(QDockWidget):
                if dock.objectName().startswith(READING_ROOM_DOCKS) and dock.isVisible():
                    dock.hide()
                    self.docks_hidden.append(dock)
        else:
            for dock in self.docks_hidden:
                dock.show()
            self.docks_hidden.clear()
        reading = self.reading_view()
        if reading is not None:
            reading.hanging_planner = simple_hanging if clinician else self.site_hanging
        if clinician:
            if self.selector is None:
                self.selector = ClinicianSelector(self.window.archive, self.security, user)
                self.selector.open_requested.connect(self.open_selection)
                self.window.pages.addWidget(self.selector)
            self.selector.user = user
            self.window.home_page = self.selector
            self.window.pages.setCurrentWidget(self.selector)
        elif self.selector is not None:
            self.window.home_page = self.window.study_browser
            self.window.pages.setCurrentWidget(self.window.study_browser)
        self.window.refresh()

    # --- filters and the open gate ---
    def visible_studies(self, studies: list) -> list:
        return self.security.policy.visible_studies(self.user, studies)

    def visible_exams(self, exams: list) -> list:
        return self.security.policy.visible_exams(self.user, exams)

    def restricted_study_rows(self, everything: list, shown: list) -> list:
        """The studies left out of the list, as "restricted" rows with no patient data."""
        kept = {study.study_instance_uid for study in shown}
        return [restricted_row(study) for study in everything if study.study_instance_uid not in kept]

    def restricted_exam_rows(self, everything: list, visible: list) -> list:
        """The worklist exams left out, as "restricted" rows with no patient data (never counted, never locked)."""
        kept = {exam.accession_number for exam in visible}
        return [restricted_row(exam) for exam in everything if exam.accession_number not in kept]

    def may_open(self, study_instance_uid: str) -> bool:
        """The open gate: True opens the exam (audited). A restricted exam opens after the glass is broken
        with a reason; a role that may not break the glass is told so (no patient data) and the attempt is
        audited as a refused use of a restricted function."""
        policy = self.security.policy
        if not policy.can_see(self.user, study_instance_uid):
            if not self.user.may(Permission.BREAK_THE_GLASS):
                self._refuse_restricted(study_instance_uid)
                return False
            reason = self.ask_reason(study_instance_uid)
            if reason is None:
                return False
            try:
                policy.break_glass(self.user, study_instance_uid, reason, self._patients(study_instance_uid))
            except WorkstationError as error:
                self._tell_restricted(str(error))
                return False
        self._audit_access(study_instance_uid)
        self.current_study = study_instance_uid
        return True

    def _refuse_restricted(self, study_instance_uid: str) -> None:
        user = self.user
        log.warning("%s (%s) may not open restricted study %s", user.name, user.role.value, study_instance_uid)
        trail = self.security.trail
        trail.record(trail.messages.security_alert(
            user.name, USE_OF_RESTRICTED_FUNCTION, "open a restricted exam: refused, not on its access list",
            (study_instance_uid,), self._patients(study_instance_uid), failed=True))
        self._tell_restricted(f"This exam is restricted: you are not on its access list, and a {user.role.value} "
                              "may not break the glass. Ask a radiologist or the administrator if you need it.")

    def _tell_restricted(self, text: str) -> None:
        """Says why the exam stays closed, without waiting: the caller (worklist, study list) goes on at once."""
        box = QMessageBox(QMessageBox.Icon.Information, "Restricted exam", text, QMessageBox.StandardButton.Ok,
                          self.window)
        box.setObjectName("restricted-exam")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _ask_reason(self, study_instance_uid: str) -> str | None:
        dialog = BreakGlassDialog(study_instance_uid, self.window)
        return dialog.reason_text() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def _patients(self, study_instance_uid: str) -> tuple[PatientRef, ...]:
        try:
            study = self.window.archive.study(study_instance_uid)
        except ArchiveError:
            return ()  # not in the local archive yet (opened from the PACS): the study UID is recorded
        return (PatientRef(study.patient_id, study.patient_name),)

    def _audit_access(self, study_instance_uid: str, detail: str = "") -> None:
        trail = self.security.trail
        trail.record(trail.messages.instances_accessed(self.audit_name(), self._patients(study_instance_uid),
                                                       (study_instance_uid,), detail=detail))

    def report_signed(self, delivery) -> None:
        """Audit a signed report version or addendum (``delivery``: reporting.outputs.Delivery)."""
        report = delivery.report
        exam = report.exam
        signature = report.signatures[-1].kind.value if report.signatures else report.status.value
        patients = (PatientRef(exam.patient_id, exam.patient_name),) if exam.patient_id else ()
        trail = self.security.trail
        trail.record(trail.messages.report_signed(self.audit_name(), patients, exam.study_instance_uid, signature,
                                                  (delivery.pdf_uid, delivery.sr_uid, delivery.kos_uid)))

    def open_selection(self, study_instance_uid: str, paths: list[Path]) -> None:
        """The clinicians' selector opens the ticked series in the reading screen."""
        if not self.may_open(study_instance_uid):
            return
        reading = self.reading_view()
        if reading is None:
            return
        reading.open_paths(paths)
        self.window.pages.setCurrentWidget(self.window.reading_screen)

    # --- keywords ---
    def tag_current_study(self) -> None:
        if not self.current_study:
            self.window.statusBar().showMessage("Open an exam first, then tag it with a keyword.")
            return
        owner = self.audit_name()
        keywords = self.security.keywords
        series_uid, image_uid = self._image_shown()
        dialog = KeywordDialog(keywords.keywords(owner), [t.keyword for t in keywords.tags(owner, self.current_study)],
                               self.window, image_known=bool(image_uid))
        if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.keyword.text().strip():
            return
        level = dialog.chosen_level()
        try:
            tag = keywords.tag(owner, dialog.keyword.text(), self.current_study,
                               series_uid if level != "study" else "", image_uid if level == "image" else "",
                               shared=not dialog.private.isChecked())
        except WorkstationError as error:
            self.window.statusBar().showMessage(str(error))
            return
        self.window.statusBar().showMessage(f"Tagged the {tag.level} with {tag.keyword!r}.")

    def mark_current_confidential(self) -> None:
        """Only the marking user (and those an administrator adds) see the exam from now on."""
        if not self.current_study:
            self.window.statusBar().showMessage("Open an exam first, then mark it confidential.")
            return
        try:
            self.security.policy.restrict(self.user, self.current_study)
        except WorkstationError as error:
            self.window.statusBar().showMessage(str(error))
            return
        self.window.statusBar().showMessage("This exam is confidential now: only you (and whom an administrator "
                                            "adds) can see it.")

    def _image_shown(self) -> tuple[str, str]:
        """Series and SOP Instance UID of the image in the active viewport of the current exam ('' if none)."""
        reading = self.reading_view()
        viewport = reading.session.active_viewport if reading is not None else None
        stack = getattr(viewport, "stack", None)
        if stack is None or not stack.sources or stack.study_instance_uid != self.current_study:
            return "", ""
        source = stack.sources[min(viewport.slice_index, len(stack.sources) - 1)]
        try:
            header = dcmread_stored(source.path, stop_before_pixels=True,
                             specific_tags=["SeriesInstanceUID", "SOPInstanceUID"])
        except (OSError, InvalidDicomError) as error:
            log.warning("keyword: cannot read the shown image's header: %s", error)
            return "", ""
        return str(header.get("SeriesInstanceUID", "")), str(header.get("SOPInstanceUID", ""))

    # --- idle lock and switching user ---
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if self.session is None:
            return False
        if self.session.locked:
            if event.type() == QEvent.Type.ShortcutOverride:
                event.accept()  # no window shortcut runs while locked: keys go to the password field
                return True
            if isinstance(watched, QWidget) and event.type() in INPUT_EVENTS:
                return self.lock_screen.holds_back(watched)
            return False
        if event.type() in INPUT_EVENTS:
            self.session.touch()
        return False

    def _check_idle(self) -> None:
        if self.session is not None and self.session.should_lock():
            log.info("idle for %.0f s: screen locked", self.session.idle_lock_s)
            self.lock()

    def lock(self) -> None:
        """Cover the windows until the password is typed. A dialog left open (break the glass, a keyword) is
        cancelled first: it would stay above the cover, and, being modal, keep the password field from input."""
        if self.session is None:
            return
        self.session.lock()
        while (dialog := QApplication.activeModalWidget()) is not None:
            log.info("screen locked: the open dialog %r is cancelled", dialog.windowTitle())
            dialog.close()
            if QApplication.activeModalWidget() is dialog:  # refused to close: the cover still goes on top
                break
        self.lock_screen.lock(self.session.user)

    def _unlocked(self) -> None:
        self.session.unlock()

    def switch_user(self) -> None:
        dialog = LoginDialog(self.security, self.window, "Switch user")
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.user is None:
            return
        self.change_user(dialog.user)

    def change_user(self, user: User) -> None:
        """Another user takes the station: the previous user's exams close and their worklist locks go."""
        previous = self.user
        trail = self.security.trail
        if previous is not None:
            trail.record(trail.messages.user_authentication(previous.name, login=False, success=True,
                                                            detail=f"switched to {user.name}"))
        dock = getattr(self.window, "worklist_dock", None)
        if dock is not None:
            try:
                dock.session.close_all()
            except WorkstationError as error:
                log.error("could not release the worklist locks of %s: %s", previous.name if previous else "-", error)
        reading = self.reading_view()
        if reading is not None:
            reading.open_stacks([])
            reading.problems.clear()
        report = getattr(self.window, "report_dock", None)
        if report is not None:
            report.editor.close_session()  # the draft is saved; the next user opens their own
        pacs = self.pacs_panel()
        if pacs is not None:
            pacs.results.set_results([])  # the previous user's answers may hold exams the new one may not see
        self.current_study = ""
        self.user = user
        self.session = UserSession(user, self.security.settings.idle_lock_minutes * 60)
        self.lock_screen.hide()
        self.window.show_study_list()
        self._apply_user()


def _require_encrypted_cache(window: QMainWindow, security: StationSecurity, interactive: bool) -> None:
    """With ``require_encrypted_cache`` set, no window opens on an archive outside an encrypted volume."""
    if not security.settings.require_encrypted_cache:
        return
    folder = window.archive.folder
    how = cache_encryption(folder)
    if how:
        log.info("local cache %s is encrypted at rest (%s)", folder, how)
        return
    message = (f"The local image cache ({folder}) is not on an encrypted volume, and this station's security "
               "settings require one (require_encrypted_cache). Ask the administrator to put the workstation's "
               "home folder on an encrypted disk (LUKS, eCryptfs, gocryptfs), or to turn the requirement off.")
    log.error("local cache %s is not encrypted at rest; the window does not open", folder)
    if interactive:
        QMessageBox.critical(window, "Local cache not encrypted", message)
    raise SecurityError(message)


def install_security(window: QMainWindow, security: StationSecurity | None = None,
                     user: User | None = None, interactive: bool = True) -> SecurityController | None:
    """Log in (when the station has accounts) and plug security into ``window``; None when the login was
    cancelled (the application should then quit). ``interactive=False`` (screenshot checks) refuses to
    run on a station with accounts rather than wait on a login nobody answers."""
    security = security or StationSecurity.open(background_forwarding=True)
    _require_encrypted_cache(window, security, interactive)
    if security.single_user:
        log.info("single-user station (no user accounts): no login; `workstation user add` creates accounts")
        return SecurityController(window, security, None)
    if user is None and not interactive:
        raise AuthenticationError("This station has user accounts: the window needs a login, so it cannot be "
                                  "opened for an unattended check.")
    if user is None:
        dialog = LoginDialog(security, window)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.user is None:
            log.info("login cancelled")
            return None
        user = dialog.user
    trail = security.trail
    trail.record(trail.messages.application_activity(user.name, started=True))
    controller = SecurityController(window, security, user)
    QApplication.instance().aboutToQuit.connect(
        lambda: trail.record(trail.messages.application_activity(controller.user.name, started=False)))
    return controller
