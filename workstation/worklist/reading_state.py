"""The reading state machine: which status changes are allowed, and which statuses a reader can lock.

scheduled -> images available -> in progress (locked) -> dictated -> preliminary -> final; closing an
exam without dictating puts it back to "images available"; the RIS can cancel any exam not yet final.
"""

from __future__ import annotations

from workstation.worklist.errors import WorklistError
from workstation.worklist.exam import ReadingStatus as S

ALLOWED: dict[S, frozenset[S]] = {
    S.SCHEDULED: frozenset({S.IMAGES_AVAILABLE, S.CANCELLED}),
    S.IMAGES_AVAILABLE: frozenset({S.IN_PROGRESS, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.IMAGES_AVAILABLE, S.DICTATED, S.PRELIMINARY, S.FINAL, S.CANCELLED}),
    S.DICTATED: frozenset({S.IN_PROGRESS, S.PRELIMINARY, S.FINAL, S.CANCELLED}),
    S.PRELIMINARY: frozenset({S.IN_PROGRESS, S.FINAL, S.CANCELLED}),
    S.FINAL: frozenset(),
    S.CANCELLED: frozenset({S.SCHEDULED}),
}

LOCKABLE = frozenset({S.IMAGES_AVAILABLE, S.IN_PROGRESS, S.DICTATED, S.PRELIMINARY})
"""Statuses a reader may lock to work on; scheduled (no images), final and cancelled open read-only."""

UNREAD = frozenset({S.SCHEDULED, S.IMAGES_AVAILABLE, S.IN_PROGRESS})


def check_transition(accession_number: str, current: S, wanted: S) -> None:
    if wanted == current:
        return
    if wanted not in ALLOWED[current]:
        raise WorklistError(
            f"Exam {accession_number} is {current.label}; it cannot become {wanted.label}. "
            "Refresh the worklist: someone may have changed it."
        )
