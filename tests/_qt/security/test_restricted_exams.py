"""Opening a restricted exam from the study list, through the window: a role that may not break the glass
is told "restricted" (no patient data, nothing opens, the refusal audited); a radiologist not on the access
list types a reason in the break-the-glass dialog and the exam opens, the audit holding the reason."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from tests._qt.security.screen_pixels import screen_rgb
from workstation._qt.reading.reading_view import ReadingView
from workstation._qt.security.break_glass_dialog import BreakGlassDialog
from workstation._qt.security.controller import install_security
from workstation.security.audit.schema import audit_schema_problems
from workstation.security.roles import Role
from workstation.security.station import StationSecurity

pytestmark = pytest.mark.gui
TIMEOUT_MS = 30_000
REASON = "ED call: trauma patient, need the chest CT now"


@pytest.fixture
def restricted(qtbot, main_window):
    """alice (radiologist) restricted the newest CT; the reading screen is installed."""
    security = StationSecurity.open()
    alice = security.users.add("alice", Role.RADIOLOGIST, "alice-pw")
    secret = next(study for study in main_window.archive.studies() if "CT" in study.modalities)
    security.policy.restrict(alice, secret.study_instance_uid)
    main_window.install_reading_screen(ReadingView(main_window.archive))
    return security, secret


def open_from_the_study_list(qtbot, main_window, study_instance_uid: str) -> None:
    """Select the study's row in the list and press Enter, as a user would."""
    browser = main_window.study_browser
    main_window.pages.setCurrentWidget(browser)  # a clinician's home page is the selector: the list, shown here
    with qtbot.waitSignal(browser.settled, timeout=TIMEOUT_MS):
        main_window.refresh()
    browser.study_table.selectRow(browser.study_model.row_of(study_instance_uid))
    browser.study_table.setFocus()
    qtbot.keyClick(browser.study_table, Qt.Key.Key_Return)


def audit(security) -> list[dict]:
    return list(security.trail.log.records())


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.TRANSCRIPTIONIST])
def test_a_role_that_may_not_break_the_glass_is_told_restricted_and_the_refusal_is_audited(
        qtbot, main_window, restricted, role):
    security, secret = restricted
    user = security.users.add("carl", role, "carl-pw")
    install_security(main_window, security, user=user)
    records_before = len(audit(security))

    open_from_the_study_list(qtbot, main_window, secret.study_instance_uid)

    box = main_window.findChild(QMessageBox, "restricted-exam")
    assert box is not None and box.isVisible()  # shown without blocking: the Enter key press has returned
    qtbot.waitExposed(box)
    qtbot.wait(200)  # painted, for the saved screen grab
    screen_rgb(main_window, save_as=f"restricted_{role.value}")
    text = box.text()
    details = main_window.study_browser.details.text()
    assert "Restricted exam" in details and secret.patient_id not in details
    assert "restricted" in text and f"a {role.value} may not break the glass" in text
    for patient_data in (secret.patient_name, secret.patient_id, secret.study_description, secret.accession_number):
        assert patient_data not in text + box.windowTitle()
    assert main_window.pages.currentWidget() is main_window.study_browser  # nothing opened
    assert not main_window.reading_screen.session.display_sets
    [refusal] = audit(security)[records_before:]  # no "instances accessed": nothing was shown
    assert (refusal["event"], refusal["user"], refusal["study_uids"]) == (
        "use of restricted function", "carl", [secret.study_instance_uid])
    assert 'EventOutcomeIndicator="4"' in refusal["xml"] and audit_schema_problems(refusal["xml"]) == []

    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: main_window.findChild(QMessageBox, "restricted-exam") is None, timeout=5000)


def test_a_radiologist_not_on_the_list_types_a_reason_and_the_audit_holds_it(qtbot, main_window, restricted):
    security, secret = restricted
    dave = security.users.add("dave", Role.RADIOLOGIST, "dave-pw")
    install_security(main_window, security, user=dave)
    seen: list[str] = []

    def answer(reason: str | None):
        def fill():
            dialog = QApplication.activeModalWidget()
            assert isinstance(dialog, BreakGlassDialog)
            ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
            seen.append(f"ok enabled before typing: {ok.isEnabled()}")
            if reason is None:
                qtbot.keyClick(dialog, Qt.Key.Key_Escape)
                return
            qtbot.keyClicks(dialog.reason, reason)
            qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        QTimer.singleShot(100, fill)

    answer(None)  # dave thinks again and cancels: the exam stays closed, nothing recorded as accessed
    open_from_the_study_list(qtbot, main_window, secret.study_instance_uid)
    assert main_window.pages.currentWidget() is main_window.study_browser
    assert not security.policy.break_glass_records(secret.study_instance_uid)

    answer(REASON)
    open_from_the_study_list(qtbot, main_window, secret.study_instance_uid)
    assert seen == ["ok enabled before typing: False"] * 2  # no reason, no opening
    assert main_window.pages.currentWidget() is main_window.reading_screen
    qtbot.waitUntil(main_window.reading_screen.is_settled, timeout=TIMEOUT_MS)
    assert {s.study_instance_uid for s in main_window.reading_screen.session.display_sets} >= {secret.study_instance_uid}
    [record] = security.policy.break_glass_records(secret.study_instance_uid)
    assert (record.user, record.reason) == ("dave", REASON)
    records = [r for r in audit(security) if r["user"] == "dave"]
    override, access = records[-2:]
    assert (override["event"], override["detail"], override["study_uids"]) == (
        "emergency override started", REASON, [secret.study_instance_uid])
    assert REASON in override["xml"] and audit_schema_problems(override["xml"]) == []
    assert (access["event"], access["study_uids"]) == ("instances accessed", [secret.study_instance_uid])
    assert secret.patient_id in access["patient_ids"]


def test_the_idle_lock_cancels_an_open_break_the_glass_dialog(qtbot, main_window, restricted):
    """A dialog left open would stay above the lock screen and, being modal, keep its password field from input."""
    security, secret = restricted
    dave = security.users.add("dave", Role.RADIOLOGIST, "dave-pw")
    controller = install_security(main_window, security, user=dave)
    controller.session.idle_lock_s = 0.5
    controller.idle_timer.setInterval(50)
    opened = main_window.open_study(secret.study_instance_uid)  # the dialog waits; dave walks away
    assert opened is False and controller.session.locked and controller.lock_screen.isVisible()
    assert QApplication.activeModalWidget() is None and not security.policy.break_glass_records()
    qtbot.keyClicks(controller.lock_screen.password, "dave-pw")
    qtbot.keyClick(controller.lock_screen.password, Qt.Key.Key_Return)
    assert not controller.session.locked and main_window.pages.currentWidget() is main_window.study_browser
