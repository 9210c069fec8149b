"""Which report and dictation commands each role may run (read from the roles table); the dock refuses the
others with a message, e.g. a resident's "sign final" key leaves the report as it was."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests._qt.worklist.test_worklist_dock import TIMEOUT_MS, worklist  # noqa: F401 (fixture)
from workstation._qt.reading.reading_view import ReadingView
from workstation._qt.reporting.dock import install_report_editor
from workstation._qt.security.command_permissions import may_run
from workstation._qt.security.controller import install_security
from workstation.net.outbox import Outbox
from workstation.reporting.outputs import ReportOutputs
from workstation.reporting.report import ReportStatus
from workstation.security.roles import Role
from workstation.security.station import StationSecurity
from workstation.security.users import User

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def user(role: Role) -> User:
    return User(name=role.value, role=role)


@pytest.mark.parametrize(("role", "runs", "refused"), [
    (Role.RADIOLOGIST, ["report.sign_final", "report.sign_addendum", "dictation.record_toggle"], []),
    (Role.RESIDENT, ["report.sign_preliminary", "report.toggle_editor", "dictation.push_to_talk"],
     ["report.sign_final", "report.sign_addendum"]),
    (Role.TRANSCRIPTIONIST, ["report.toggle_editor", "report.transcription_done", "dictation.play_pause"],
     ["report.sign_preliminary", "report.sign_final"]),
    (Role.TRANSCRIPTIONIST, ["worklist.toggle"], []),
    (Role.CLINICIAN, ["viewport.next_series", "security.lock_screen"],
     ["report.toggle_editor", "report.flag_key_image", "dictation.record_toggle", "report.sign_final",
      "worklist.open_next", "worklist.open_selected"]),
])
def test_report_commands_follow_the_roles_table(role, runs, refused):
    assert all(may_run(user(role), command) for command in runs)
    assert not any(may_run(user(role), command) for command in refused)


def test_a_single_user_station_runs_everything():
    assert may_run(None, "report.sign_final") and may_run(None, "dictation.record_toggle")


@pytest.mark.gui
def test_a_residents_sign_final_key_is_refused_and_the_report_stays_a_draft(main_window, qtbot, tmp_path):
    security = StationSecurity.open()
    rui = security.users.add("rui", Role.RESIDENT, "rui-pw")
    reading = ReadingView(main_window.archive)
    main_window.install_reading_screen(reading)
    dock = install_report_editor(main_window, outputs=ReportOutputs(pacs_outbox=Outbox(tmp_path / "outbox"),
                                                                     pacs_node="pacs"))
    install_security(main_window, security, user=rui)
    study = next(s for s in main_window.archive.studies() if s.accession_number == "DEMOA0102")
    main_window.open_study(study.study_instance_uid)
    qtbot.waitUntil(reading.is_settled, timeout=20_000)
    try:
        dock.editor.editors["Impression"].setPlainText("No acute abnormality.")
        qtbot.keyClick(main_window, Qt.Key.Key_F, CTRL_SHIFT)  # sign final
        assert dock.editor.session.report.status is ReportStatus.DRAFT
        assert "Sign final: not available to your role." in main_window.statusBar().currentMessage()
        assert not [r for r in security.trail.log.records() if r["event"] == "report signed"]
    finally:
        dock.stop()


@pytest.mark.gui
def test_a_clinician_takes_no_worklist_lock_and_the_dock_comes_back_for_a_radiologist(  # noqa: F811
        worklist, main_window, qtbot):
    security = StationSecurity.open()
    carl = security.users.add("carl", Role.CLINICIAN, "carl-pw")
    alice = security.users.add("alice", Role.RADIOLOGIST, "alice-pw")
    controller = install_security(main_window, security, user=carl)
    assert not worklist.dock.isVisible()
    worklist.actions["worklist.open_next"].trigger()
    assert "not available to your role" in main_window.statusBar().currentMessage()
    assert not any(exam.is_locked() for exam in worklist.store.exams())
    controller.change_user(alice)
    assert worklist.dock.isVisible()
    worklist.actions["worklist.open_next"].trigger()
    qtbot.waitUntil(lambda: worklist.store.exam("DEMOA0102").locked_by == "alice", timeout=TIMEOUT_MS)
    qtbot.waitUntil(main_window.reading_screen.is_settled, timeout=TIMEOUT_MS)
