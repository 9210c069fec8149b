"""HL7 v2 over MLLP on loopback: orders, updates, merges, cancels, and NAKs for bad input."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.worklist.conftest import mllp_send
from workstation.worklist.demo_orders import order_message
from workstation.worklist.exam import Priority, ReadingStatus
from workstation.worklist.hl7_listener import HL7Listener
from workstation.worklist.errors import WorklistError

PATIENT = ("MRN1", "Doe^Jane", "19600102", "F")


@pytest.fixture
def listener(store) -> Iterator[HL7Listener]:
    running = HL7Listener(store).start()
    yield running
    running.stop()


def msa(answer: str) -> list[str]:
    segment = next(line for line in answer.replace("\n", "\r").split("\r") if line.startswith("MSA|"))
    return segment.split("|")


def test_a_new_stat_order_from_the_emergency_department_is_acknowledged_and_listed(listener, store):
    answer = mllp_send(listener.port, order_message("C1", "ACC1", PATIENT, "CT Chest with contrast", "CT", "S", "E"))
    assert msa(answer)[1:3] == ["AA", "C1"]
    exam = store.exam("ACC1")
    assert (exam.patient_id, exam.patient_name, exam.priority, exam.emergency, exam.modality, exam.body_part) == (
        "MRN1", "Doe^Jane", Priority.STAT, True, "CT", "CHEST")
    assert exam.status == ReadingStatus.SCHEDULED


def test_omi_o23_with_ipc_accession_and_study_uid(listener, store):
    text = "\r".join((
        "MSH|^~\\&|RIS|H|WS|R|20250101120000||OMI^O23^OMI_O23|C9|P|2.5",
        "PID|1||MRN9^^^H||Roe^Rick||19700101|M",
        "PV1|1|I",
        "ORC|NW|P9|F9||SC",
        "TQ1|1||||||||A",
        "OBR|1|P9|F9|MRHEAD^MR Head",
        "IPC|ACC9|RP9|1.2.3.4.5|SPS9|MR",
    ))
    assert msa(mllp_send(listener.port, text))[1] == "AA"
    exam = store.exam("ACC9")
    assert (exam.study_instance_uid, exam.modality, exam.priority, exam.procedure) == (
        "1.2.3.4.5", "MR", Priority.URGENT, "MR Head")


def test_a_cancelled_order_disappears_from_the_list(listener, store):
    mllp_send(listener.port, order_message("C1", "ACC1", PATIENT, "CT Chest", "CT", "R", "O"))
    mllp_send(listener.port, order_message("C2", "ACC2", PATIENT, "CT Head", "CT", "R", "O"))
    answer = mllp_send(listener.port, order_message("C3", "ACC1", PATIENT, "CT Chest", "CT", "R", "O", "CA"))
    assert msa(answer)[1] == "AA"
    assert [exam.accession_number for exam in store.exams()] == ["ACC2"]


def test_patient_update_and_merge(listener, store):
    mllp_send(listener.port, order_message("C1", "ACC1", ("OLD7", "Wrong^Name", "19600102", "F"), "CT Chest", "CT", "R", "O"))
    mllp_send(listener.port, order_message("C2", "ACC2", PATIENT, "CT Head", "CT", "R", "O"))
    update = "MSH|^~\\&|ADT|H|WS|R|20250101||ADT^A08|U1|P|2.5\rPID|1||OLD7^^^H||Right^Name||19600102|F\r"
    assert msa(mllp_send(listener.port, update))[1] == "AA"
    assert store.exam("ACC1").patient_name == "Right^Name"
    merge = "MSH|^~\\&|ADT|H|WS|R|20250101||ADT^A40|M1|P|2.5\rPID|1||MRN1^^^H||Doe^Jane||19600102|F\rMRG|OLD7^^^H\r"
    assert msa(mllp_send(listener.port, merge))[1] == "AA"
    moved = store.exam("ACC1")
    assert (moved.patient_id, moved.patient_name) == ("MRN1", "Doe^Jane")


@pytest.mark.parametrize(("text", "code", "reason"), [
    ("PID|1||X\r", "AR", "MSH"),
    ("MSH|^~#&|RIS|H|WS|R|20250101||ORM^O01|B1|P|2.3\rPID|1||X\r", "AR", "encoding characters"),
    ("MSH|^~\\&|RIS|H|WS|R|20250101||ORU^R01|B2|P|2.3\rPID|1||X\r", "AR", "ORU"),
    ("MSH|^~\\&|RIS|H|WS|R|20250101||ORM^O01|B3|P|2.3\rORC|NW|1\rOBR|1|1|1\r", "AE", "PID"),
    ("MSH|^~\\&|RIS|H|WS|R|20250101||ORM^O01|B4|P|2.3\rPID|1||X\rORC|NW\rOBR|1\r", "AE", "accession"),
    ("MSH|^~\\&|RIS|H|WS|R|20250101||ADT^A40|B5|P|2.3\rPID|1||X\r", "AE", "MRG"),
])
def test_malformed_messages_get_a_nak_and_a_log_line_and_the_listener_keeps_running(
        listener, store, caplog, text, code, reason):
    caplog.set_level(logging.WARNING, logger="workstation.worklist.hl7_orders")
    answer = mllp_send(listener.port, text)
    assert msa(answer)[1] == code
    assert reason in answer
    assert any(reason in record.getMessage() for record in caplog.records)
    good = mllp_send(listener.port, order_message("OK1", "ACC5", PATIENT, "CT Chest", "CT", "R", "O"))
    assert msa(good)[1:3] == ["AA", "OK1"]
    assert store.exam("ACC5").patient_id == "MRN1"


def test_several_messages_on_one_connection(listener, store):
    import hl7.client

    with hl7.client.MLLPClient("127.0.0.1", listener.port) as client:
        for number in range(5):
            answer = client.send_message(order_message(f"K{number}", f"ACC{number}", PATIENT, "CT Chest", "CT", "R", "O"))
            assert f"MSA|AA|K{number}" in answer.decode()
    assert len(store.exams()) == 5


def test_a_taken_port_is_a_clear_error(store, listener):
    with pytest.raises(WorklistError, match=f"port {listener.port}"):
        HL7Listener(store, port=listener.port).start()
