"""A persistent outbox for objects the workstation sends to a PACS (reports, key images, presentation states).

Each item is a copy of the Part 10 file plus a small JSON record, both written atomically under
``WORKSTATION_HOME/outbox``. An item is marked *sending* before it goes out and *sent* as soon as the
PACS confirms it. An item found *sending* after a failure or crash is looked up on the PACS first and
only sent again if the PACS does not have it: nothing is lost, nothing is sent twice. Each try's outcome
goes to the ``on_transfer`` listener (the app's audit trail: net/ knows nothing of security).
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: the in-process lock still holds
    fcntl = None  # type: ignore[assignment]


from workstation.core.atomic_file import write_atomically
from workstation.core.errors import WorkstationError
from workstation.core.stored_file import read_stored
from workstation.dicom.reading import read_dataset
from workstation.net.store import OutgoingInstance, instance_on_pacs, send
from workstation.settings.home import workstation_home
from workstation.settings.pacs_nodes import LocalNode, PacsNode

log = logging.getLogger(__name__)

PENDING, SENDING, SENT = "pending", "sending", "sent"


@dataclass(frozen=True)
class OutboxItem:
    item_id: str
    node: str
    sop_class_uid: str
    sop_instance_uid: str
    study_instance_uid: str
    series_instance_uid: str
    transfer_syntax_uid: str
    patient_id: str = ""
    state: str = PENDING
    attempts: int = 0
    last_error: str = ""
    queued_at: float = 0.0
    sent_at: float | None = None


@dataclass(frozen=True)
class TransferOutcome:
    """One try to send a node its items: ``items`` reached it (``error`` empty) or did not (they stay queued)."""

    node: str
    destination: str  # the node's address, as the audit trail names it
    source: str  # this workstation's AE title
    items: tuple[OutboxItem, ...]
    error: str = ""


TransferListener = Callable[[TransferOutcome], None]


@dataclass(frozen=True)
class SendReport:
    sent: int
    already_on_pacs: int
    failed: int
    errors: tuple[str, ...]


class Outbox:
    def __init__(self, folder: Path | None = None, on_transfer: TransferListener | None = None) -> None:
        self.folder = folder or workstation_home() / "outbox"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.on_transfer = on_transfer
        self._lock = threading.Lock()
        self._sending = threading.Lock()

    def object_path(self, item: OutboxItem) -> Path:
        return self.folder / f"{item.item_id}.dcm"

    def _record_path(self, item_id: str) -> Path:
        return self.folder / f"{item_id}.json"

    def _save(self, item: OutboxItem) -> OutboxItem:
        write_atomically(self._record_path(item.item_id), json.dumps(asdict(item)).encode("utf-8"))
        return item

    def enqueue(self, node_name: str, source: Path | bytes) -> OutboxItem:
        """Queue one Part 10 file (a path or its bytes) for ``node_name``; the outbox keeps its own copy."""
        data = source if isinstance(source, bytes) else read_stored(source)
        item_id = uuid.uuid4().hex
        object_path = self.folder / f"{item_id}.dcm"
        write_atomically(object_path, data)
        try:
            header = read_dataset(object_path, header_only=True)
            item = OutboxItem(
                item_id=item_id, node=node_name, sop_class_uid=str(header.SOPClassUID),
                sop_instance_uid=str(header.SOPInstanceUID), study_instance_uid=str(header.StudyInstanceUID),
                series_instance_uid=str(header.SeriesInstanceUID),
                transfer_syntax_uid=str(header.file_meta.TransferSyntaxUID),
                patient_id=str(header.get("PatientID", "")), queued_at=time.time(),
            )
        except (WorkstationError, AttributeError) as error:
            object_path.unlink(missing_ok=True)
            raise WorkstationError(f"Cannot queue the object for sending: it is not a complete DICOM file ({error}).") from error
        with self._lock:
            self._save(item)
        log.info("outbox: queued %s for %s", item.sop_instance_uid, node_name)
        return item

    def items(self) -> list[OutboxItem]:
        found = []
        for path in sorted(self.folder.glob("*.json")):
            try:
                found.append(OutboxItem(**json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError, TypeError) as error:
                log.error("outbox: unreadable record %s: %s", path.name, error)
        return sorted(found, key=lambda item: item.queued_at)

    def unsent(self) -> list[OutboxItem]:
        return [item for item in self.items() if item.state != SENT]

    @contextlib.contextmanager
    def _sending_lock(self) -> Iterator[None]:
        """One sender at a time per outbox folder, across Outbox objects and processes (flock where available)."""
        with self._sending, open(self.folder / ".sending.lock", "a+b") as lock_file:
            if fcntl is not None:
                fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)
            yield

    def send_pending(self, resolve: Callable[[str], PacsNode], local: LocalNode) -> SendReport:
        """Try every unsent item once, grouped by node; failures stay queued with their message."""
        with self._sending_lock():
            sent = already = failed = 0
            errors: list[str] = []
            by_node: dict[str, list[OutboxItem]] = defaultdict(list)
            for item in self.unsent():
                by_node[item.node].append(item)
            for node_name, items in by_node.items():
                destination = node_name
                confirmed: list[OutboxItem] = []  # on the PACS from an interrupted earlier try
                transferred: list[OutboxItem] = []
                try:
                    node = resolve(node_name)
                    destination = node.address
                    confirmed = self._confirm_interrupted(node, local, items)
                    to_send = [item for item in self.unsent() if item.node == node_name]
                    self._send(node, local, to_send, transferred)
                except WorkstationError as error:
                    log.error("outbox: sending to %s failed: %s", node_name, error)
                    errors.append(str(error))
                    left = [item for item in self.unsent() if item.node == node_name]
                    for item in left:
                        self._save(replace(item, attempts=item.attempts + 1, last_error=str(error)))
                    failed += len(left)
                    self._tell(TransferOutcome(node_name, destination, local.aet, tuple(left), str(error)))
                already += len(confirmed)
                sent += len(transferred)
                if confirmed or transferred:
                    self._tell(TransferOutcome(node_name, destination, local.aet, (*confirmed, *transferred)))
            return SendReport(sent=sent, already_on_pacs=already, failed=failed, errors=tuple(errors))

    def _tell(self, outcome: TransferOutcome) -> None:
        """Tell the listener; a listener that fails (a full disk for the audit log) must not stop the sending."""
        if self.on_transfer is None or not outcome.items:
            return
        try:
            self.on_transfer(outcome)
        except (WorkstationError, OSError) as error:
            log.error("outbox: the transfer listener failed for %d object(s) to %s: %s",
                      len(outcome.items), outcome.node, error)

    def _confirm_interrupted(self, node: PacsNode, local: LocalNode, items: list[OutboxItem]) -> list[OutboxItem]:
        """Items caught mid-send: mark those the PACS already holds as sent, without sending them again."""
        confirmed = []
        for item in items:
            if item.state == SENDING and instance_on_pacs(node, local, self._outgoing(item)):
                self._mark_sent(item)
                confirmed.append(item)
        return confirmed

    def _send(self, node: PacsNode, local: LocalNode, items: list[OutboxItem], transferred: list[OutboxItem]) -> None:
        """Send ``items``, appending each to ``transferred`` as the PACS confirms it (kept when a later one fails)."""
        if not items:
            return
        by_uid = {item.sop_instance_uid: self._save(replace(item, state=SENDING)) for item in items}

        def confirmed(sop_instance_uid: str) -> None:
            self._mark_sent(by_uid[sop_instance_uid])
            transferred.append(by_uid[sop_instance_uid])

        send(node, local, [self._outgoing(item) for item in by_uid.values()], confirmed)

    def _mark_sent(self, item: OutboxItem) -> None:
        self._save(replace(item, state=SENT, sent_at=time.time(), last_error="", attempts=item.attempts + 1))
        self.object_path(item).unlink(missing_ok=True)
        log.info("outbox: %s sent to %s", item.sop_instance_uid, item.node)

    def _outgoing(self, item: OutboxItem) -> OutgoingInstance:
        return OutgoingInstance(
            path=self.object_path(item), sop_class_uid=item.sop_class_uid, sop_instance_uid=item.sop_instance_uid,
            study_instance_uid=item.study_instance_uid, series_instance_uid=item.series_instance_uid,
            transfer_syntax_uid=item.transfer_syntax_uid,
        )


class OutboxSender:
    """Background retries: every ``interval`` seconds (or when woken) send what is unsent."""

    def __init__(self, outbox: Outbox, resolve: Callable[[str], PacsNode], local: LocalNode, interval: float = 30.0) -> None:
        self.outbox, self.resolve, self.local, self.interval = outbox, resolve, local, interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self.last_report: SendReport | None = None
        self._thread = threading.Thread(target=self._run, name="outbox", daemon=True)

    def start(self) -> "OutboxSender":
        self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            if self.outbox.unsent():
                self.last_report = self.outbox.send_pending(self.resolve, self.local)
            self._wake.wait(self.interval)
            self._wake.clear()
