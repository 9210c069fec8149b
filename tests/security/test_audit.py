"""DICOM audit messages: valid against the DICOM audit schema, the append-only log, forwarding to a TLS
syslog collector."""

from __future__ import annotations

import base64
import json
import socket

import pytest

from tests.security.audit_schema import canonical, convert_compact_schema, shipped_schemas
from tests.security.syslog_listener import TlsSyslogListener, make_certificate
from workstation.security.audit.log import AuditLog
from workstation.security.audit.messages import (
    EMERGENCY_OVERRIDE_STARTED, OBJECT_SECURITY_ATTRIBUTES_CHANGED, SECURITY_CONFIGURATION, SECURITY_ROLES_CHANGED,
    AuditMessages, PatientRef,
)
from workstation.security.audit.schema import audit_schema_problems
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
        messages.instances_accessed("alice", (PatientRef("PID-2"),), ("1.2.4",), action="R", detail="broke the glass"),
        messages.report_signed("alice", PATIENT, "1.2.3", "final", ("1.2.3.9", "")),
        messages.instances_transferred("WORKSTATION", PATIENT, {"1.2.3": {"1.2.840.10008.5.1.4.1.1.104.1": 2}},
                                       "WORKSTATION", "PACS@127.0.0.1:11112"),
        messages.instances_transferred("WORKSTATION", PATIENT, {"1.2.3": {"1.2.840.10008.5.1.4.1.1.88.22": 1}},
                                       "WORKSTATION", "PACS@127.0.0.1:11112", error="association refused <&>"),
        messages.application_activity("alice", started=False),
        messages.user_authentication("alice", login=False, success=True),
        messages.security_alert("os:root", SECURITY_ROLES_CHANGED, "user bob added as resident (local)"),
        messages.security_alert("carol", SECURITY_CONFIGURATION, "site protocol changed"),
        messages.security_alert("alice", OBJECT_SECURITY_ATTRIBUTES_CHANGED, "restricted", ("1.2.3",)),
    ]


def test_the_shipped_xml_schema_is_the_standards_compact_schema_converted():
    compact, xml = shipped_schemas()
    assert "Source: DICOM PS3.15" in compact and "element AuditMessage" in compact
    assert canonical(convert_compact_schema(compact)) == canonical(xml)


def test_every_kind_of_message_validates_against_the_dicom_audit_schema():
    events = every_kind_of_message()
    for event in events:
        assert audit_schema_problems(event.xml) == [], event.event
    assert 'csd-code="110106"' in events[5].xml and 'ParticipantObjectID="PID-1"' in events[5].xml
    assert 'EventOutcomeIndicator="4"' in events[2].xml
    transferred, failed = events[10], events[11]
    assert 'csd-code="110104"' in transferred.xml and 'EventActionCode="R"' in transferred.xml
    assert 'EventOutcomeIndicator="0"' in transferred.xml and 'NumberOfInstances="2"' in transferred.xml
    assert 'EventOutcomeIndicator="8"' in failed.xml and "association refused" in failed.detail
    reason = base64.b64encode(b"broke the glass").decode()
    assert f'value="{reason}"' in events[8].xml  # the schema's ValuePair values are base64


@pytest.mark.parametrize("breakage", [
    ("EventIdentification", "Event"),  # an unknown element
    ('EventOutcomeIndicator="0"', 'EventOutcomeIndicator="1"'),  # not one of 0, 4, 8, 12
    ('UserIsRequestor="true"', 'UserIsRequestor="yes"'),  # not xs:boolean
    ("<ParticipantObjectName>Doe^Jane</ParticipantObjectName>", ""),  # neither a name nor a query
])
def test_a_broken_message_does_not_validate(breakage):
    xml = every_kind_of_message()[5].xml
    assert breakage[0] in xml
    assert audit_schema_problems(xml.replace(*breakage)) != []


def test_a_message_with_its_participants_after_the_objects_does_not_validate():
    xml = every_kind_of_message()[3].xml
    start, end = xml.index("<ParticipantObjectIdentification"), xml.index("<AuditSourceIdentification")
    assert start > end  # built in the schema's order
    reordered = xml.replace(xml[end:start], "").replace("</AuditMessage>", xml[end:start] + "</AuditMessage>")
    assert audit_schema_problems(reordered) != []
    assert audit_schema_problems("<AuditMessage>") != []  # not even well-formed


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


def test_the_outbox_sending_a_signed_report_to_a_real_pacs_is_audited(tmp_path):
    """A signed report's PDF, SR and key-object note go through the outbox to Orthanc: the try while the PACS is
    down leaves a failure record, the send after it comes back a DICOM Instances Transferred record, both valid."""
    from tests.reporting.report_factory import EXAM, key_image, make_report
    from workstation.net.orthanc_server import OrthancServer, free_port
    from workstation.net.outbox import Outbox
    from workstation.reporting.outputs import ReportOutputs
    from workstation.reporting.report import SignatureKind
    from workstation.reporting.signing import sign
    from workstation.security.audit.transfers import outbox_auditor
    from workstation.settings.pacs_nodes import LocalNode

    trail = AuditTrail(SecuritySettings(audit_source_id="READING-1"), tmp_path / "audit.log")
    server = OrthancServer(folder=tmp_path / "orthanc", dicom_port=free_port(), http_port=free_port())
    node = server.node(method="get", connect_timeout=2)
    local = LocalNode(aet="READING1", storage_port=free_port())
    outbox = Outbox(tmp_path / "outbox", on_transfer=outbox_auditor(trail))
    delivery = ReportOutputs(pacs_outbox=outbox, pacs_node="pacs").deliver(
        sign(make_report().with_key_image(key_image(1)), "Senior^Sam", SignatureKind.FINAL))

    assert outbox.send_pending(lambda name: node, local).failed == 3
    server.start()
    try:
        assert outbox.send_pending(lambda name: node, local).sent == 3
    finally:
        server.stop()

    failed, transferred = trail.log.records()
    for record in (failed, transferred):
        assert audit_schema_problems(record["xml"]) == []
        assert record["user"] == "READING1" and record["patient_ids"] == [EXAM.patient_id]
        assert record["study_uids"] == [EXAM.study_instance_uid]
        assert 'csd-code="110104"' in record["xml"] and f'UserID="{node.address}"' in record["xml"]
    assert failed["event"] == "instances transferred failed" and 'EventOutcomeIndicator="8"' in failed["xml"]
    assert "3 object(s)" in failed["detail"] and "failed" in failed["detail"]
    assert transferred["event"] == "instances transferred" and 'EventOutcomeIndicator="0"' in transferred["xml"]
    for sop_class in ("1.2.840.10008.5.1.4.1.1.104.1", "1.2.840.10008.5.1.4.1.1.88.11",
                      "1.2.840.10008.5.1.4.1.1.88.59"):  # PDF, SR, key object selection
        assert f'<SOPClass UID="{sop_class}" NumberOfInstances="1"' in transferred["xml"]
    assert delivery.pdf_uid and outbox.unsent() == []
