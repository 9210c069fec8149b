"""``workstation audit --validate``: every message in the log checked against the DICOM audit schema."""

from __future__ import annotations

from dataclasses import replace

from workstation.cli import main
from workstation.security.audit.log import AuditLog
from workstation.security.audit.messages import AuditMessages, PatientRef


def test_validate_passes_the_stations_messages_and_names_a_broken_one(monkeypatch, capsys):
    monkeypatch.setenv("WORKSTATION_PASSWORD", "admin-pw")
    assert main(["user", "add", "root", "--role", "administrator"]) == 0
    assert main(["archive", "list", "--user", "root"]) == 0  # a login and a query
    capsys.readouterr()
    assert main(["audit", "--validate"]) == 0
    assert "all 3 messages validate against the DICOM audit schema" in capsys.readouterr().out

    good = AuditMessages("READING-1").data_export("root", (PatientRef("PID-1", "Doe^Jane"),), ("1.2.3",), "usb")
    AuditLog().append(replace(good, xml=good.xml.replace('EventActionCode="R"', 'EventActionCode="X"')))
    assert main(["audit", "--validate"]) == 1
    out = capsys.readouterr().out
    assert "record 4 (" in out and "EventActionCode" in out and "1 of 4 messages do not validate" in out
