"""Group commit: threads filing one instance each share one rename-sync-index step instead of queueing for it.

Each received instance used to pay the folder fsyncs and an SQLite transaction alone, one thread at a
time under the write lock; with several network writer threads the lock became the queue. Here a
thread hands in its written file and waits: the first thread to find no commit running takes every
file handed in so far (its own included) and commits them together; the others wake with their own
outcome. Nothing waits for a timer, so a lone instance (the first slice on screen) commits at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")


@dataclass
class _Ticket(Generic[Item, Outcome]):
    item: Item
    done: bool = False
    outcome: Outcome | None = None
    error: BaseException | None = None


class GroupCommit(Generic[Item, Outcome]):
    """``commit(items) -> outcomes`` (one per item, same order) run for batches of concurrent ``submit`` calls."""

    def __init__(self, commit: Callable[[list[Item]], list[Outcome]]) -> None:
        self._commit = commit
        self._condition = threading.Condition()
        self._waiting: list[_Ticket[Item, Outcome]] = []
        self._committing = False

    def submit(self, item: Item) -> Outcome:
        """Commit ``item`` (with whatever other threads handed in meanwhile); its outcome, or the batch's error."""
        ticket: _Ticket[Item, Outcome] = _Ticket(item)
        with self._condition:
            self._waiting.append(ticket)
            while self._committing and not ticket.done:
                self._condition.wait()
            if not ticket.done:
                self._committing = True
                batch, self._waiting = self._waiting, []
        if not ticket.done:
            self._run(batch)
        if ticket.error is not None:
            raise ticket.error
        return ticket.outcome  # type: ignore[return-value]

    def _run(self, batch: list[_Ticket[Item, Outcome]]) -> None:
        outcomes: list[Outcome] = []
        error: BaseException | None = None
        try:
            outcomes = self._commit([ticket.item for ticket in batch])
        except BaseException as failure:  # handed to every waiter of the batch, each re-raises it
            error = failure
        with self._condition:
            for position, ticket in enumerate(batch):
                ticket.error = error
                ticket.outcome = outcomes[position] if error is None else None
                ticket.done = True
            self._committing = False
            self._condition.notify_all()
