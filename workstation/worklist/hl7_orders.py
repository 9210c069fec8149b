"""HL7 v2 orders and patient updates from the RIS, applied to the worklist, and the ACK/NAK answers.

Understood: ORM^O01 and OMI^O23 (ORC-1 NW new, XO/SC changed, CA/OC/DC cancelled), ADT^A08 (patient
update), ADT^A40 (merge: exams of MRG-1 move to the PID patient). Anything else is answered with a NAK
saying why, so the interface engine shows the error instead of retrying blindly. python-hl7 parses.
"""

from __future__ import annotations

import calendar
import logging
import time
from dataclasses import dataclass

import hl7

from workstation.security.errors import SecurityError
from workstation.security.orders import mark_vip_order
from workstation.worklist.errors import WorklistError
from workstation.worklist.exam import Exam, Priority
from workstation.worklist.store import WorklistStore

log = logging.getLogger(__name__)

ENCODING_CHARACTERS = "^~\\&"
ORDER_TYPES = {("ORM", "O01"), ("OMI", "O23")}
NEW_ORDER = {"NW", "SN"}
CHANGED_ORDER = {"XO", "SC", "XX", "RP"}
CANCELLED_ORDER = {"CA", "OC", "DC", "OD"}


class HL7Rejected(Exception):
    """The message cannot be used; ``code`` is AE (error in the content) or AR (rejected: type, syntax)."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(text)
        self.code = code


@dataclass(frozen=True)
class HL7Outcome:
    """What one message did, for the log and the tests."""

    message_type: str
    control_id: str
    summary: str


def field(message: hl7.Message, segment: str, number: int, component: int = 1, repeat: int = 1) -> str:
    """One component of one field of the first ``segment``; '' when the segment or field is absent."""
    try:
        return str(message.extract_field(segment, 1, number, repeat, component) or "").strip()
    except (KeyError, IndexError):
        return ""


def hl7_time(text: str) -> float:
    """HL7 TS (YYYYMMDD[HHMM[SS]][+/-ZZZZ]) as UTC seconds (no offset: taken as UTC); 0 when unreadable."""
    text = text.strip()
    offset = 0
    for sign in ("+", "-"):
        if sign in text[8:]:
            text, zone = text[:8] + text[8:].split(sign)[0], text[8:].split(sign)[1]
            if len(zone) == 4 and zone.isdigit():
                offset = (int(zone[:2]) * 3600 + int(zone[2:]) * 60) * (1 if sign == "+" else -1)
    digits = text.split(".")[0]
    if len(digits) < 8 or not digits.isdigit():
        return 0.0
    try:
        return float(calendar.timegm(time.strptime(digits[:14].ljust(14, "0"), "%Y%m%d%H%M%S"))) - offset
    except ValueError:
        return 0.0


def parse_message(text: str) -> hl7.Message:
    """Parse and check the envelope: an MSH with the standard encoding characters and a message type."""
    text = text.strip().replace("\r\n", "\r").replace("\n", "\r")
    if not text.startswith("MSH"):
        raise HL7Rejected("AR", "The message does not start with an MSH segment.")
    if len(text) < 8 or text[4:8] != ENCODING_CHARACTERS:
        raise HL7Rejected("AR", f"MSH-2 encoding characters must be {ENCODING_CHARACTERS!r}, got {text[4:8]!r}.")
    try:
        message = hl7.parse(text)
    except (ValueError, IndexError, KeyError) as error:
        raise HL7Rejected("AR", f"The message cannot be parsed: {error}.") from error
    if not field(message, "MSH", 9) or not field(message, "MSH", 10):
        raise HL7Rejected("AR", "MSH-9 (message type) and MSH-10 (control ID) are required.")
    return message


def _require(message: hl7.Message, *segments: str) -> None:
    missing = [name for name in segments if not _has_segment(message, name)]
    if missing:
        raise HL7Rejected("AE", f"Required segment(s) missing: {', '.join(missing)}.")


def _has_segment(message: hl7.Message, name: str) -> bool:
    try:
        message.segment(name)
    except KeyError:
        return False
    return True


def patient_from(message: hl7.Message, accession_number: str = "") -> Exam:
    return Exam(
        accession_number=accession_number,
        patient_id=field(message, "PID", 3),
        issuer_of_patient_id=field(message, "PID", 3, component=4),
        patient_name="^".join(part for part in (field(message, "PID", 5, c) for c in (1, 2, 3)) if part),
        birth_date=field(message, "PID", 7)[:8],
        sex=field(message, "PID", 8),
    )


def exam_from_order(message: hl7.Message) -> Exam:
    """The worklist exam an ORM^O01 / OMI^O23 describes. Accession: IPC-1, else OBR-18, else OBR-3/ORC-3."""
    accession = (field(message, "IPC", 1) or field(message, "OBR", 18) or field(message, "OBR", 3)
                 or field(message, "ORC", 3))
    if not accession:
        raise HL7Rejected("AE", "The order has no accession number (IPC-1, OBR-18 or OBR-3).")
    priority_code = field(message, "TQ1", 9) or field(message, "OBR", 27, component=6) or field(message, "ORC", 7, 6)
    patient = patient_from(message, accession)
    return Exam(
        accession_number=accession,
        patient_id=patient.patient_id,
        issuer_of_patient_id=patient.issuer_of_patient_id,
        patient_name=patient.patient_name,
        birth_date=patient.birth_date,
        sex=patient.sex,
        procedure=field(message, "OBR", 4, component=2) or field(message, "OBR", 4),
        modality=field(message, "IPC", 5) or field(message, "OBR", 24),
        body_part=field(message, "OBR", 15, component=4) or field(message, "OBR", 15),
        site=field(message, "MSH", 4) or field(message, "PV1", 3, component=4),
        priority=Priority.from_hl7(priority_code),
        emergency=field(message, "PV1", 2).upper() == "E",
        ordered_at=hl7_time(field(message, "ORC", 9) or field(message, "OBR", 6) or field(message, "MSH", 7)),
        performed_at=hl7_time(field(message, "OBR", 7)),
        study_instance_uid=field(message, "IPC", 3) or field(message, "ZDS", 1),
        source="HL7",
    )


def apply_message(store: WorklistStore, message: hl7.Message) -> HL7Outcome:
    """Apply one parsed message to the worklist; raises HL7Rejected when it cannot."""
    kind = (field(message, "MSH", 9), field(message, "MSH", 9, component=2))
    control_id = field(message, "MSH", 10)
    name = "^".join(kind)
    if kind in ORDER_TYPES:
        _require(message, "PID", "ORC", "OBR")
        order_control = field(message, "ORC", 1).upper()
        exam = exam_from_order(message)
        if order_control in CANCELLED_ORDER:
            found = store.cancel(exam.accession_number)
            return HL7Outcome(name, control_id, f"cancelled {exam.accession_number}" + ("" if found else " (unknown)"))
        if order_control in NEW_ORDER | CHANGED_ORDER:
            # marked before it is listed, so a VIP's exam is never shown unmarked
            vip = mark_vip_order(exam.accession_number, exam.study_instance_uid, field(message, "PV1", 16))
            exam.confidential = vip  # in the shared store too: every station's reader list honours it
            store.upsert_order(exam)
            return HL7Outcome(name, control_id, f"order {order_control} {exam.accession_number}"
                              + (" (confidential: VIP)" if vip else ""))
        raise HL7Rejected("AE", f"Order control ORC-1 {order_control or '(empty)'} is not supported.")
    if kind == ("ADT", "A08"):
        _require(message, "PID")
        patient = patient_from(message)
        changed = store.update_patient(patient.patient_id, patient_name=patient.patient_name,
                                       birth_date=patient.birth_date, sex=patient.sex)
        return HL7Outcome(name, control_id, f"patient update: {changed} exams")
    if kind == ("ADT", "A40"):
        _require(message, "PID", "MRG")
        prior_id = field(message, "MRG", 1)
        if not prior_id:
            raise HL7Rejected("AE", "MRG-1 (the merged patient's ID) is empty.")
        moved = store.merge_patient(prior_id, patient_from(message))
        return HL7Outcome(name, control_id, f"merge: {moved} exams moved")
    raise HL7Rejected("AR", f"Message type {name} is not accepted by the reading worklist.")


def acknowledgement(message: hl7.Message | None, code: str, text: str = "", control_id: str = "") -> str:
    """An ACK (code AA) or NAK (AE/AR) with MSA-3 and an ERR segment saying why."""
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
    if message is not None:
        sending = (field(message, "MSH", 5), field(message, "MSH", 6), field(message, "MSH", 3), field(message, "MSH", 4))
        trigger = field(message, "MSH", 9, component=2)
        version = field(message, "MSH", 12) or "2.5"
        control_id = field(message, "MSH", 10)
    else:
        sending, trigger, version = ("WORKSTATION", "", "", ""), "", "2.5"
    ack_id = f"A{control_id}"[:20]
    segments = [
        f"MSH|{ENCODING_CHARACTERS}|{sending[0] or 'WORKSTATION'}|{sending[1]}|{sending[2]}|{sending[3]}|{stamp}||"
        f"ACK^{trigger}^ACK|{ack_id}|P|{version}",
        f"MSA|{code}|{control_id}|{_escape(text)}",
    ]
    if code != "AA":
        segments.append(f"ERR||||E||||{_escape(text)}")
    return "\r".join(segments) + "\r"


def _escape(text: str) -> str:
    return (text.replace("\\", "\\E\\").replace("|", "\\F\\").replace("^", "\\S\\").replace("&", "\\T\\")
            .replace("~", "\\R\\"))


def handle_text(store: WorklistStore, text: str) -> str:
    """Parse, apply and answer one inbound message; every failure becomes a NAK and a log line."""
    message: hl7.Message | None = None
    try:
        message = parse_message(text)
        outcome = apply_message(store, message)
    except HL7Rejected as rejected:
        log.warning("HL7 message rejected (%s): %s", rejected.code, rejected)
        return acknowledgement(message, rejected.code, str(rejected), control_id=_control_id_guess(text))
    except SecurityError as error:  # a VIP order that cannot be marked is refused; the sender retries
        log.error("HL7 order refused: %s", error)
        return acknowledgement(message, "AE", str(error), control_id=_control_id_guess(text))
    except WorklistError as error:  # the store is away: AE tells the sender to retry later
        log.error("HL7 message could not be applied: %s", error)
        return acknowledgement(message, "AE", f"The worklist could not store the message: {error}",
                               control_id=_control_id_guess(text))
    log.info("HL7 %s %s: %s", outcome.message_type, outcome.control_id, outcome.summary)
    return acknowledgement(message, "AA")


def _control_id_guess(text: str) -> str:
    """MSH-10 read by hand, for NAKs to messages too broken to parse."""
    first = text.strip().split("\r")[0].split("\n")[0]
    parts = first.split("|")
    return parts[9] if first.startswith("MSH") and len(parts) > 9 else ""
