"""Group commit: threads filing one instance each share one rename-sync-index step instead of queueing for it.

Each received instance used to pay the folder fsyncs and an SQLite transaction alone, one thread at a
time under the write lock; with several network writer threads the lock became the queue. Here a
thread hands in its written file and waits: a thread finding no commit running takes every file
handed in so far (its own included) and commits them together; when it is done it wakes the threads of
its batch with their outcomes, and the first thread that queued meanwhile, which commits the next batch.
Nothing waits for a timer, so a lone instance (the first slice on screen) commits at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")


@dataclass
class _Ticket(Generic[Item, Outcome]):
    item: Item
    woken: threading.Event = field(default_factory=threading.Event)
    done: bool = False  # False when woken: this thread commits the next batch
    outcome: Outcome | None = None
    error: BaseException | None = None


class GroupCommit(Generic[Item, Outcome]):
    """``commit(items) -> outcomes`` (one per item, same order) run for batches of concurrent ``submit`` calls."""

    def __init__(self, commit: Callable[[list[Item]], list[Outcome]]) -> None:
        self._commit = commit
        self._lock = threading.Lock()
        self._waiting: list[_Ticket[Item, Outcome]] = []
        self._committing = False

    def submit(self, item: Item) -> Outcome:
        """Commit ``item`` (with whatever other threads handed in meanwhile); its outcome, or the batch's error."""
        ticket: _Ticket[Item, Outcome] = _Ticket(item)
        with self._lock:
            self._waiting.append(ticket)
            leading = not self._committing
            self._committing = True
        if not leading:
            ticket.woken.wait()  # each thread is woken once: with its outcome, or to lead the next batch
        if not ticket.done:
            self._run()
        if ticket.error is not None:
            raise ticket.error
        return ticket.outcome  # type: ignore[return-value]

    def _run(self) -> None:
        with self._lock:
            batch, self._waiting = self._waiting, []
        outcomes: list[Outcome] = []
        error: BaseException | None = None
        try:
            outcomes = self._commit([ticket.item for ticket in batch])
        except BaseException as failure:  # handed to every submitter of the batch, each re-raises it
            error = failure
        for position, ticket in enumerate(batch):
            ticket.error = error
            ticket.outcome = outcomes[position] if error is None else None
            ticket.done = True
        with self._lock:
            next_leader = self._waiting[0] if self._waiting else None
            self._committing = next_leader is not None
        for ticket in batch:
            ticket.woken.set()
        if next_leader is not None:
            next_leader.woken.set()
