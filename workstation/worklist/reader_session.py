"""One reader's session at one station: opening exams (locked, or read-only when someone else has them),
keeping the leases alive while they are open, "open next", and telling the RIS about status changes."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable

from workstation.worklist.exam import Exam, ReadingStatus
from workstation.worklist.store import DEFAULT_LEASE_SECONDS, LockResult, WorklistStore

log = logging.getLogger(__name__)

StatusListener = Callable[[Exam, ReadingStatus], None]


def station_owner(user: str) -> str:
    """A lock owner unique to this process: two windows of the same user still exclude each other."""
    return f"{user}@{socket.gethostname()}#{os.getpid()}-{uuid.uuid4().hex[:8]}"


class ReaderSession:
    def __init__(self, store: WorklistStore, user: str, lease_seconds: float = DEFAULT_LEASE_SECONDS,
                 on_status_changed: StatusListener | None = None) -> None:
        self.store = store
        self.user = user
        self.owner = station_owner(user)
        self.lease_seconds = lease_seconds
        self.on_status_changed = on_status_changed
        self.open_exams: dict[str, Exam] = {}

    def open(self, accession_number: str) -> LockResult:
        """Lock and open the exam; if another reader holds it, it opens read-only (``acquired`` False)."""
        before = self.store.exam(accession_number).status
        result = self.store.acquire(accession_number, self.user, self.owner, self.lease_seconds)
        if result.acquired:
            self.open_exams[accession_number] = result.exam
            self._notify(result.exam, before)
        return result

    def open_next(self, skip: frozenset[str] = frozenset()) -> LockResult | None:
        """Lock the highest-priority unlocked exam with images (STAT, emergency, longest waiting first).
        Candidates taken by another station in the meantime are skipped; None when nothing is left."""
        for candidate in self.store.next_candidates():
            if candidate.accession_number in skip or candidate.accession_number in self.open_exams:
                continue
            result = self.open(candidate.accession_number)
            if result.acquired:
                return result
        return None

    def following(self, after: str) -> Exam | None:
        """The exam "open next" would pick after ``after``: its images and priors are worth prefetching."""
        return next((exam for exam in self.store.next_candidates()
                     if exam.accession_number != after and exam.accession_number not in self.open_exams), None)

    def renew(self) -> list[str]:
        """Renew the leases of every open exam; returns the ones we lost (their lease had run out)."""
        lost = [accession for accession in self.open_exams
                if not self.store.renew(accession, self.owner, self.lease_seconds)]
        for accession in lost:
            log.warning("lease on exam %s was lost", accession)
            self.open_exams.pop(accession, None)
        return lost

    def set_status(self, accession_number: str, status: ReadingStatus) -> Exam:
        before = self.store.exam(accession_number).status
        exam = self.store.set_status(accession_number, status, self.user, self.owner)
        self._notify(exam, before)
        return exam

    def close(self, accession_number: str) -> None:
        if self.open_exams.pop(accession_number, None) is not None:
            self.store.release(accession_number, self.owner, self.user)

    def close_all(self) -> None:
        for accession in list(self.open_exams):
            self.close(accession)

    def _notify(self, exam: Exam, before: ReadingStatus) -> None:
        if self.on_status_changed is not None and exam.status != before:
            self.on_status_changed(exam, exam.status)
