"""Security in the window: login, hidden confidential exams, break the glass, idle lock, switch user,
keywords and the clinicians' selector, on the demo archive."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from workstation._qt.reading.reading_view import ReadingView
from workstation._qt.security.break_glass_dialog import BreakGlassDialog
from workstation._qt.security.controller import install_security
from workstation._qt.security.keyword_dialog import KeywordDialog
from workstation._qt.security.login_dialog import LoginDialog
from workstation.security.restricted_rows import RESTRICTED_NAME
from workstation.security.roles import Role
from workstation.security.station import StationSecurity

pytestmark = pytest.mark.gui
SETTLE_MS = 30_000


@pytest.fixture
def station(main_window):
    """alice (radiologist) restricted the newest study; bob (resident) and carl (clinician) exist."""
    security = StationSecurity.open()
    alice = security.users.add("alice", Role.RADIOLOGIST, "alice-pw")
    bob = security.users.add("bob", Role.RESIDENT, "bob-pw")
    security.users.add("carl", Role.CLINICIAN, "carl-pw")
    studies = main_window.archive.studies()
    secret = studies[0]
    security.policy.restrict(alice, secret.study_instance_uid)
    main_window.install_reading_screen(ReadingView(main_window.archive))
    return security, secret, studies, alice, bob


def settle(qtbot, window) -> None:
    """Let the reading screen finish loading before the window and archive close."""
    qtbot.waitUntil(window.reading_screen.is_settled, timeout=SETTLE_MS)


def listed(window) -> set[str]:
    """The studies listed with their patient data (restricted rows left out)."""
    model = window.study_browser.study_model
    rows = [model.study_at(row) for row in range(model.rowCount())]
    return {study.study_instance_uid for study in rows if study.patient_name != RESTRICTED_NAME}


def restricted_rows(window) -> list:
    model = window.study_browser.study_model
    rows = [model.study_at(row) for row in range(model.rowCount())]
    return [study for study in rows if study.patient_name == RESTRICTED_NAME]


def refresh(qtbot, window) -> None:
    with qtbot.waitSignal(window.study_browser.settled, timeout=SETTLE_MS):
        window.refresh()


def test_login_dialog_refuses_a_wrong_password_and_accepts_the_right_one(qtbot, station):
    security = station[0]
    dialog = LoginDialog(security)
    qtbot.addWidget(dialog)
    dialog.name.setText("bob")
    dialog.password.setText("nope")
    dialog.try_login()
    assert dialog.result() != LoginDialog.DialogCode.Accepted and "Wrong user name or password" in dialog.message.text()
    dialog.password.setText("bob-pw")
    dialog.try_login()
    assert dialog.result() == LoginDialog.DialogCode.Accepted and dialog.user.name == "bob"


def test_the_login_at_start_comes_first_and_the_list_hides_the_confidential_exam(qtbot, main_window, station):
    security, secret, studies, _, _ = station

    def fill_login():
        dialog = QApplication.activeModalWidget()
        dialog.name.setText("bob")
        dialog.password.setText("bob-pw")
        dialog.try_login()

    QTimer.singleShot(100, fill_login)
    controller = install_security(main_window, security)
    assert controller is not None and controller.user.name == "bob"
    refresh(qtbot, main_window)
    assert listed(main_window) == {s.study_instance_uid for s in studies} - {secret.study_instance_uid}
    [row] = restricted_rows(main_window)  # shown as restricted, with no patient data
    assert row.study_instance_uid == secret.study_instance_uid and (row.patient_id, row.study_description) == ("", "")
    browser = main_window.study_browser
    browser.study_table.selectRow(browser.study_model.row_of(secret.study_instance_uid))
    assert "Restricted exam" in browser.details.text() and browser.series_list.count() == 0  # no images read
    assert secret.patient_id not in browser.details.text()
    assert "bob (resident)" in controller.user_label.text()

    controller.ask_reason = lambda uid: None  # bob cancels the break-the-glass dialog
    main_window.open_study(secret.study_instance_uid)
    assert main_window.pages.currentWidget() is main_window.study_browser
    controller.ask_reason = lambda uid: "ED call about this patient"
    main_window.open_study(secret.study_instance_uid)
    assert main_window.pages.currentWidget() is main_window.reading_screen
    events = [(r["event"], r["user"], r.get("detail", "")) for r in security.trail.log.records()]
    assert ("emergency override started", "bob", "ED call about this patient") in events
    assert events[-1][:2] == ("instances accessed", "bob")
    settle(qtbot, main_window)


def test_break_glass_dialog_needs_a_reason(qtbot):
    dialog = BreakGlassDialog("1.2.3")
    qtbot.addWidget(dialog)
    ok = dialog.buttons.buttons()[0]
    assert not ok.isEnabled()
    dialog.reason.setPlainText("patient in resus, need the old CT")
    assert ok.isEnabled() and dialog.reason_text() == "patient in resus, need the old CT"


def test_idle_lock_keeps_the_reading_screen_and_unlocks_with_the_password(qtbot, main_window, station):
    security, _, studies, alice, _ = station
    controller = install_security(main_window, security, user=alice)
    main_window.open_study(studies[-1].study_instance_uid)
    reading_page = main_window.pages.currentWidget()
    assert reading_page is main_window.reading_screen
    controller.session.idle_lock_s = 0.3
    controller.idle_timer.setInterval(50)
    qtbot.waitUntil(lambda: controller.lock_screen.isVisible(), timeout=5000)
    assert controller.lock_screen.geometry() == main_window.rect()
    qtbot.keyClick(controller.lock_screen.password, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert main_window.pages.currentWidget() is reading_page  # Ctrl+L (study list) does nothing while locked
    qtbot.keyClicks(controller.lock_screen.password, "wrong")
    qtbot.keyClick(controller.lock_screen.password, Qt.Key.Key_Return)
    assert controller.lock_screen.isVisible() and "Wrong" in controller.lock_screen.message.text()
    qtbot.keyClicks(controller.lock_screen.password, "alice-pw")
    qtbot.keyClick(controller.lock_screen.password, Qt.Key.Key_Return)
    assert not controller.lock_screen.isVisible() and not controller.session.locked
    assert main_window.pages.currentWidget() is reading_page
    settle(qtbot, main_window)


def test_switching_user_closes_the_exams_and_applies_the_new_users_rules(qtbot, main_window, station):
    security, secret, studies, alice, bob = station
    controller = install_security(main_window, security, user=alice)
    refresh(qtbot, main_window)
    assert secret.study_instance_uid in listed(main_window)
    main_window.open_study(secret.study_instance_uid)
    settle(qtbot, main_window)
    controller.change_user(bob)
    assert main_window.pages.currentWidget() is main_window.study_browser
    refresh(qtbot, main_window)
    assert secret.study_instance_uid not in listed(main_window)
    assert [row.study_instance_uid for row in restricted_rows(main_window)] == [secret.study_instance_uid]
    assert ("logout", "alice") in [(r["event"], r["user"]) for r in security.trail.log.records()]


def test_keyword_from_the_keyboard_tags_the_open_exam_or_the_image_shown(qtbot, main_window, station):
    security, _, studies, alice, _ = station
    controller = install_security(main_window, security, user=alice)
    uid = studies[-1].study_instance_uid
    main_window.open_study(uid)
    settle(qtbot, main_window)

    def type_keyword(text, level):
        def fill():
            dialog = QApplication.activeModalWidget()
            assert isinstance(dialog, KeywordDialog) and dialog.level.count() == 3
            qtbot.keyClicks(dialog.keyword, text)
            dialog.level.setCurrentIndex(level)
            dialog.accept()
        QTimer.singleShot(100, fill)

    type_keyword("teaching file", 0)
    controller.tag_current_study()
    type_keyword("follow-up", 2)
    controller.tag_current_study()
    tags = {t.keyword: t for t in security.keywords.tags("alice", uid)}
    assert tags["teaching file"].level == "study"
    image = tags["follow-up"]
    assert image.level == "image" and image.series_instance_uid
    series_uids = {s.series_instance_uid for s in main_window.archive.series(uid)}
    assert image.series_instance_uid in series_uids
    assert "Tagged the image" in main_window.statusBar().currentMessage()


def test_the_clinicians_selector_finds_the_patient_and_opens_the_preselected_series(qtbot, main_window, station):
    security, secret, studies, _, _ = station
    carl = security.users.find("carl")
    controller = install_security(main_window, security, user=carl)
    selector = controller.selector
    assert main_window.pages.currentWidget() is selector
    selector.search.setText("demo")
    selector.find()
    shown = [selector.studies.item(row).data(Qt.ItemDataRole.UserRole).study_instance_uid
             for row in range(selector.studies.count())]
    assert sorted(shown) == sorted(s.study_instance_uid for s in studies if s is not secret)
    assert selector.ticked_series()  # the largest series is preselected when there are no key images
    selector.open_selected()
    assert main_window.pages.currentWidget() is main_window.reading_screen
    events = [(r["event"], r["detail"]) for r in security.trail.log.records() if r["user"] == "carl"]
    first = shown[0]
    assert [event for event, _ in events[-3:]] == ["query", "instances accessed", "instances accessed"]
    assert events[-2][1] == "clinicians' selector: series shown, no signed report"  # the first exam, selected
    assert first in [r["study_uids"][0] for r in security.trail.log.records() if r["user"] == "carl" and r["study_uids"]]
    settle(qtbot, main_window)


def test_a_radiologist_marks_the_open_exam_confidential_a_clinician_may_not(qtbot, main_window, station):
    security, _, studies, alice, _ = station
    uid = studies[-1].study_instance_uid
    controller = install_security(main_window, security, user=alice)
    main_window.open_study(uid)
    settle(qtbot, main_window)
    controller.mark_current_confidential()
    assert security.policy.is_restricted(uid) and security.policy.access_list(uid) == ["alice"]
    controller.change_user(security.users.find("carl"))
    controller.current_study = studies[-2].study_instance_uid
    controller.mark_current_confidential()
    assert not security.policy.is_restricted(studies[-2].study_instance_uid)
    assert "may not mark exams confidential" in main_window.statusBar().currentMessage()
