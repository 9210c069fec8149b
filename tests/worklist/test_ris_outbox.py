"""Results and status changes to the RIS: persistent, in order, retried until ACKed, never sent twice."""

from __future__ import annotations

import time

import pytest

from tests.worklist.conftest import FakeRis
from workstation.net.orthanc_server import free_port
from workstation.worklist import ris_outbox
from workstation.worklist.exam import ReadingStatus
from workstation.worklist.ris_outbox import RisAddress, RisOutbox, RisSender

ORU = ("MSH|^~\\&|WORKSTATION|RAD|RIS|H|20250101120000||ORU^R01|TEMP|P|2.3\r"
       "PID|1||MRN1\rOBR|1|ACC1|ACC1|CTCH^CT Chest|||||||||||||||||||F\rOBX|1|TX|REPORT||No nodule.||||||F\r")


def control_ids(ris: FakeRis) -> list[str]:
    return [text.split("\r")[0].split("|")[9] for text in ris.received]


def test_a_report_is_sent_with_its_control_id_and_acknowledged(tmp_path, fake_ris):
    outbox = RisOutbox(tmp_path / "outbox.sqlite")
    assert outbox.send_to_ris(ORU, "REPORT-1")
    assert outbox.send_pending(RisAddress("127.0.0.1", fake_ris.port)) == 1
    assert control_ids(fake_ris) == ["REPORT-1"]
    assert "OBX|1|TX|REPORT||No nodule." in fake_ris.received[0]
    assert [message.state for message in outbox.messages()] == ["acknowledged"]


def test_the_same_control_id_is_never_sent_twice(tmp_path, fake_ris):
    outbox = RisOutbox(tmp_path / "outbox.sqlite")
    address = RisAddress("127.0.0.1", fake_ris.port)
    outbox.send_to_ris(ORU, "REPORT-1")
    outbox.send_pending(address)
    assert not outbox.send_to_ris(ORU, "REPORT-1")
    assert outbox.report_status_changed("ACC1", ReadingStatus.FINAL)
    assert not outbox.report_status_changed("ACC1", ReadingStatus.FINAL)
    outbox.send_pending(address)
    outbox.send_pending(address)
    assert len(fake_ris.received) == 2
    status = fake_ris.received[1].split("\r")
    assert status[0].split("|")[8] == "ORM^O01"
    assert status[1].startswith("ORC|SC|ACC1")
    assert status[2].split("|")[25] == "F"


def test_the_outbox_survives_a_restart_and_resends_when_the_ris_returns(tmp_path):
    port = free_port()
    outbox = RisOutbox(tmp_path / "outbox.sqlite")
    outbox.report_status_changed("ACC1", ReadingStatus.IN_PROGRESS)
    outbox.send_to_ris(ORU, "REPORT-1")
    assert outbox.send_pending(RisAddress("127.0.0.1", port, timeout=2)) == 0
    pending = outbox.pending()
    assert len(pending) == 2 and "not reachable" in pending[0].last_error
    outbox.close()

    ris = FakeRis(port=port).start()
    try:
        reopened = RisOutbox(tmp_path / "outbox.sqlite")
        sender = RisSender(reopened, RisAddress("127.0.0.1", port), interval=0.1).start()
        deadline = time.monotonic() + 10
        while reopened.pending() and time.monotonic() < deadline:
            time.sleep(0.05)
        sender.stop()
    finally:
        ris.stop()
    assert not reopened.pending()
    assert control_ids(ris)[1] == "REPORT-1" and control_ids(ris)[0].startswith("S")


def test_a_rejected_message_is_not_retried(tmp_path, fake_ris):
    fake_ris.answer_code = "AR"
    outbox = RisOutbox(tmp_path / "outbox.sqlite")
    outbox.send_to_ris(ORU, "REPORT-1")
    outbox.send_pending(RisAddress("127.0.0.1", fake_ris.port))
    outbox.send_pending(RisAddress("127.0.0.1", fake_ris.port))
    assert len(fake_ris.received) == 1
    assert outbox.messages()[0].state == "rejected"


def test_module_functions_queue_in_the_users_outbox(workstation_home):
    assert ris_outbox.send_to_ris(ORU, "REPORT-9")
    assert ris_outbox.report_status_changed("ACC9", "preliminary")
    outbox = RisOutbox()
    assert [m.control_id for m in outbox.pending()][0] == "REPORT-9"
    assert outbox.path.is_relative_to(workstation_home)


def test_control_ids_must_fit_msh_10(tmp_path):
    with pytest.raises(ValueError):
        RisOutbox(tmp_path / "outbox.sqlite").send_to_ris(ORU, "X" * 21)
