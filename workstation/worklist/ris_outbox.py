"""Results and status changes to the RIS over HL7 v2 MLLP, through a persistent outbox.

Public API (the reporting module calls these):

- ``send_to_ris(message, control_id)``: queue any HL7 message (e.g. the signed report's ORU^R01, as text
  or a python-hl7 Message); MSH-10 is set to ``control_id``. Queuing the same ``control_id`` again is a
  no-op, so a report is never sent twice; give each report version its own ID.
- ``report_status_changed(accession_number, status)``: queue an ORM^O01 status update (ORC-1 SC, ORC-5 and
  OBR-25 from the reading status) with a control ID derived from accession and status.

Messages are stored in SQLite (``WORKSTATION_HOME/worklist/ris_outbox.sqlite``) before any send, sent in
order, and kept until the RIS answers AA/CA; a restart resends what was not acknowledged. An AR (reject)
stops retrying that message and is logged; no answer or AE is retried with back-off.
"""

from __future__ import annotations

import hashlib
import logging
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import hl7
import hl7.client

from workstation.core.database_connection import DATABASE_ERRORS, connect_database
from workstation.settings.home import workstation_home
from workstation.worklist.exam import ReadingStatus

log = logging.getLogger(__name__)

RESULT_STATUS = {
    ReadingStatus.IN_PROGRESS: ("IP", "I"),
    ReadingStatus.DICTATED: ("IP", "R"),
    ReadingStatus.PRELIMINARY: ("A", "P"),
    ReadingStatus.FINAL: ("CM", "F"),
    ReadingStatus.IMAGES_AVAILABLE: ("SC", "S"),
}
"""Reading status -> (ORC-5 order status, table 0038; OBR-25 result status, table 0123)."""


@dataclass(frozen=True)
class RisAddress:
    host: str
    port: int
    timeout: float = 10.0


@dataclass(frozen=True)
class OutgoingMessage:
    control_id: str
    text: str
    state: str  # pending, acknowledged, rejected
    attempts: int
    last_error: str


def default_outbox_path() -> Path:
    return workstation_home() / "worklist" / "ris_outbox.sqlite"


def with_control_id(message: str | hl7.Message, control_id: str) -> str:
    """The message as HL7 text (segments ended by CR) with MSH-10 set to ``control_id``."""
    text = str(message).strip().replace("\r\n", "\r").replace("\n", "\r")
    segments = text.split("\r")
    fields = segments[0].split("|")
    if not segments[0].startswith("MSH") or len(fields) < 12:
        raise ValueError("an HL7 message must start with a complete MSH segment (at least 12 fields)")
    fields[9] = control_id
    segments[0] = "|".join(fields)
    return "\r".join(segments) + "\r"


class RisOutbox:
    """The persistent queue; ``send_pending`` delivers it, ``RisSender`` does so on a thread."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_outbox_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = connect_database(self.path, "RIS outbox", isolation_level=None, check_same_thread=False,
                                    timeout=10)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS messages (sequence INTEGER PRIMARY KEY AUTOINCREMENT, "
            "control_id TEXT UNIQUE NOT NULL, text TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending', "
            "attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '', queued_at REAL NOT NULL, "
            "sent_at REAL NOT NULL DEFAULT 0)"
        )
        self.wake = threading.Event()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def send_to_ris(self, message: str | hl7.Message, control_id: str) -> bool:
        """Queue ``message`` with MSH-10 = ``control_id``; False if that control ID was queued before."""
        if not control_id or len(control_id) > 20:
            raise ValueError("an HL7 control ID has 1 to 20 characters")
        text = with_control_id(message, control_id)
        with self._lock:
            added = self._db.execute(
                "INSERT OR IGNORE INTO messages (control_id, text, queued_at) VALUES (?, ?, ?)",
                (control_id, text, time.time()),
            ).rowcount == 1
        if added:
            log.info("RIS outbox: queued %s", control_id)
            self.wake.set()
        return added

    def report_status_changed(self, accession_number: str, status: ReadingStatus | str,
                              sending_facility: str = "RADIOLOGY") -> bool:
        """Queue an ORM^O01 telling the RIS the exam's reading status (stable control ID per status)."""
        status = ReadingStatus(status)
        order_status, result_status = RESULT_STATUS.get(status, ("CA", "X"))
        control_id = "S" + hashlib.sha1(f"{accession_number}|{status.value}".encode()).hexdigest()[:19]
        stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
        obr = ["OBR", "1", accession_number, accession_number] + [""] * 22
        obr[18], obr[25] = accession_number, result_status  # OBR-18 accession, OBR-25 result status
        text = "\r".join((
            f"MSH|^~\\&|WORKSTATION|{sending_facility}|RIS||{stamp}||ORM^O01|{control_id}|P|2.3",
            f"ORC|SC|{accession_number}|{accession_number}||{order_status}",
            "|".join(obr),
        ))
        return self.send_to_ris(text, control_id)

    def messages(self) -> list[OutgoingMessage]:
        with self._lock:
            rows = self._db.execute(
                "SELECT control_id, text, state, attempts, last_error FROM messages ORDER BY sequence"
            ).fetchall()
        return [OutgoingMessage(*row) for row in rows]

    def pending(self) -> list[OutgoingMessage]:
        return [message for message in self.messages() if message.state == "pending"]

    def send_pending(self, address: RisAddress) -> int:
        """Send every pending message in order until one fails; returns how many the RIS acknowledged."""
        acknowledged = 0
        for message in self.pending():
            try:
                with hl7.client.MLLPClient(address.host, address.port) as client:
                    client.socket.settimeout(address.timeout)
                    answer = client.send_message(message.text)
            except (OSError, socket.timeout) as error:
                self._failed(message, f"RIS {address.host}:{address.port} not reachable: {error}", "pending")
                return acknowledged
            code = _acknowledgement_code(answer)
            if code in ("AA", "CA"):
                self._mark(message.control_id, "acknowledged", "")
                acknowledged += 1
            elif code in ("AR", "CR"):
                self._failed(message, f"RIS rejected the message ({code})", "rejected")
            else:
                self._failed(message, f"RIS answered {code or 'no acknowledgement'}", "pending")
                return acknowledged
        return acknowledged

    def _failed(self, message: OutgoingMessage, error: str, state: str) -> None:
        log.warning("RIS outbox: %s: %s", message.control_id, error)
        self._mark(message.control_id, state, error)

    def _mark(self, control_id: str, state: str, error: str) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE messages SET state = ?, last_error = ?, attempts = attempts + 1, sent_at = ? "
                "WHERE control_id = ?", (state, error, time.time(), control_id),
            )


def _acknowledgement_code(answer: bytes | str) -> str:
    text = answer.decode("utf-8", errors="replace") if isinstance(answer, bytes) else answer
    text = text.strip("\x0b\x1c\r\n")
    for segment in text.replace("\n", "\r").split("\r"):
        if segment.startswith("MSA|"):
            return segment.split("|")[1].strip()
    return ""


class RisSender:
    """Delivers the outbox on a thread: at once when something is queued, else every ``interval`` seconds,
    backing off up to ``max_interval`` while the RIS is away."""

    def __init__(self, outbox: RisOutbox, address: RisAddress, interval: float = 5.0, max_interval: float = 60.0) -> None:
        self.outbox = outbox
        self.address = address
        self.interval = interval
        self.max_interval = max_interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ris-sender", daemon=True)

    def start(self) -> "RisSender":
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.outbox.wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        delay = self.interval
        while not self._stop.is_set():
            self.send_now()
            delay = self.interval if not self.outbox.pending() else min(delay * 2, self.max_interval)
            self.outbox.wake.wait(delay)
            self.outbox.wake.clear()

    def send_now(self) -> int:
        try:
            return self.outbox.send_pending(self.address)
        except DATABASE_ERRORS as error:
            log.error("RIS outbox unreadable: %s", error)
            return 0


def send_to_ris(message: str | hl7.Message, control_id: str) -> bool:
    """Queue ``message`` for the RIS in this user's outbox (see the module docstring); the running
    workstation or ``serve-worklist`` delivers it. False if ``control_id`` was queued before."""
    outbox = RisOutbox()
    try:
        return outbox.send_to_ris(message, control_id)
    finally:
        outbox.close()


def report_status_changed(accession_number: str, status: ReadingStatus | str) -> bool:
    """Queue the exam's new reading status for the RIS (dictated, preliminary, final...)."""
    outbox = RisOutbox()
    try:
        return outbox.report_status_changed(accession_number, status)
    finally:
        outbox.close()
