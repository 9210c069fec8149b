"""Signing a report in the window: the logged-in user signs, and the signature is in the audit trail."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from workstation._qt.reading.reading_view import ReadingView
from workstation._qt.reporting.dock import install_report_editor
from workstation._qt.security.controller import install_security
from workstation.net.outbox import Outbox
from workstation.reporting.outputs import ReportOutputs
from workstation.reporting.report import ReportStatus
from workstation.security.roles import Role
from workstation.security.station import StationSecurity

pytestmark = pytest.mark.gui
TIMEOUT_MS = 20_000
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def test_a_signed_report_and_its_addendum_are_audited_under_the_logged_in_user(main_window, qtbot, tmp_path):
    security = StationSecurity.open()
    alice = security.users.add("alice", Role.RADIOLOGIST, "alice-pw")
    reading = ReadingView(main_window.archive)
    main_window.install_reading_screen(reading)
    dock = install_report_editor(main_window, author="os-login",
                                 outputs=ReportOutputs(pacs_outbox=Outbox(tmp_path / "outbox"), pacs_node="pacs"))
    install_security(main_window, security, user=alice)
    study = next(s for s in main_window.archive.studies() if s.accession_number == "DEMOA0102")
    main_window.open_study(study.study_instance_uid)
    qtbot.waitUntil(lambda: reading.is_settled(), timeout=TIMEOUT_MS)
    try:
        dock.editor.editors["Impression"].setPlainText("No acute abnormality.")
        qtbot.keyClick(main_window, Qt.Key.Key_F, CTRL_SHIFT)
        report = dock.editor.session.report
        assert report.status is ReportStatus.FINAL and report.signatures[-1].signer == "alice"
        signed = [r for r in security.trail.log.records() if r["event"] == "report signed"]
        assert [(r["user"], r["study_uids"], r["patient_ids"]) for r in signed] == [
            ("alice", [study.study_instance_uid], [study.patient_id])]
        detail = signed[0]["detail"]
        assert "report signed final" in detail and dock.editor.session.last_delivery.sr_uid in detail
        assert 'EventActionCode="C"' in signed[0]["xml"]

        dock.editor.addendum.setPlainText("Compared with outside CT: stable.")
        qtbot.keyClick(main_window, Qt.Key.Key_A, CTRL_SHIFT)
        assert len([r for r in security.trail.log.records() if r["event"] == "report signed"]) == 2
    finally:
        dock.stop()
