"""DICOM audit messages: schema structure, the append-only log, forwarding to a TLS syslog collector."""

from __future__ import annotations

import json
import socket

from tests.security.audit_schema import audit_schema_problems
from tests.security.syslog_listener import TlsSyslogListener, make_certificate
from workstation.security.audit.log import AuditLog
from workstation.security.audit.messages import (
    EMERGENCY_OVERRIDE_STARTED, AuditMessages, PatientRef,
)
from workstation.security.audit.trail import AuditTrail
from workstation.security.config import SecuritySettings, SyslogSettings

PATIENT = (PatientRef("PID-1", "Doe^Jane"),)


def every_kind_of_message() -> list:
    messages = AuditMessages("READING-1")
    return [
        messages.application_activity("alice", started=True),
        messages.user_authentication("alice", login=True, success=True),
        messages.user_authentication("alice", login=True, success=False, detail="wrong password"),
        messages.instances_accessed("alice", PATIENT, ("1.2.3",)),
        messages.begin_transferring("alice", PATIENT, ("1.2.3",), "PACS", "WORKSTATION"),
        messages.data_export("alice", PATIENT, ("1.2.3",), "zip:/media/usb/out.zip"),
        messages.query("alice", "PatientName=Doe*"),
        messages.security_alert("bob", EMERGENCY_OVERRIDE_STARTED, "trauma", ("1.2.3",), PATIENT),
    ]


def test_every_message_has_the_structure_the_dicom_audit_schema_requires():
    events = every_kind_of_message()
    for event in events:
        assert audit_schema_problems(event.xml) == [], event.event
    assert 'csd-code="110106"' in events[5].xml and 'ParticipantObjectID="PID-1"' in events[5].xml
    assert 'EventOutcomeIndicator="4"' in events[2].xml
    # the checker itself finds a broken message
    assert audit_schema_problems(events[0].xml.replace("EventIdentification", "Event")) != []


def test_the_log_is_append_only_chained_and_survives_a_torn_last_line(tmp_path):
    audit_log = AuditLog(tmp_path / "audit.log")
    events = every_kind_of_message()
    for event in events[:3]:
        audit_log.append(event)
    with open(audit_log.path, "ab") as file:
        file.write(b'{"event": "half written')  # the station lost power mid-write
    audit_log.append(events[3])
    assert [r["event"] for r in audit_log.records()] == [e.event for e in events[:4]]
    assert audit_log.verify() == []
    lines = audit_log.path.read_bytes().split(b"\n")
    record = json.loads(lines[1])
    record["user"] = "somebody else"
    lines[1] = json.dumps(record).encode()
    audit_log.path.write_bytes(b"\n".join(lines))
    assert audit_log.verify() == [3]  # the record after the edited one no longer links


def test_messages_reach_a_tls_syslog_collector_and_wait_while_it_is_down(tmp_path):
    certificate, key = make_certificate(tmp_path)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = SecuritySettings(syslog=SyslogSettings("127.0.0.1", port, ca_file=str(certificate)),
                                audit_source_id="READING-1")
    trail = AuditTrail(settings, tmp_path / "audit.log")
    trail.forwarder.timeout_s = 1.0
    events = every_kind_of_message()
    trail.record(events[0])  # nobody listens yet: kept in the log
    trail.record(events[1])
    assert trail.forwarder.queued() == 2
    with TlsSyslogListener(certificate, key, port) as listener:
        assert trail.forwarder.flush(force=True) == 2
        trail.record(events[7])
        frames = listener.wait_for(3)
    assert trail.forwarder.queued() == 0
    assert len(frames) == 3
    header, _, body = frames[2].partition(b"\xef\xbb\xbf")
    assert header.startswith(b"<85>1 ") and b" workstation - IHE+RFC-3881 - " in header
    assert audit_schema_problems(body.decode()) == []
    assert b"Emergency Override Started" in body and b"trauma" in body
    assert [f.partition(b"\xef\xbb\xbf")[2].decode() for f in frames[:2]] == [events[0].xml, events[1].xml]


def test_the_window_forwards_in_the_background_without_waiting_for_the_collector(tmp_path):
    import time

    certificate, key = make_certificate(tmp_path)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = SecuritySettings(syslog=SyslogSettings("127.0.0.1", port, ca_file=str(certificate)))
    with TlsSyslogListener(certificate, key, port) as listener:
        trail = AuditTrail(settings, tmp_path / "audit.log", background=True)
        started = time.monotonic()
        for event in every_kind_of_message()[:3]:
            trail.record(event)
        assert time.monotonic() - started < 0.5  # recording does not wait on the TLS connection
        assert len(listener.wait_for(3)) == 3
