"""Worklist failures; ``str()`` is what the radiologist reads (what failed, what to do)."""

from __future__ import annotations

from workstation.core.errors import WorkstationError


class WorklistError(WorkstationError):
    """A worklist action could not be done (unknown exam, status change not allowed...)."""


class StoreUnavailable(WorklistError):
    """The shared worklist store (SQLite file or PostgreSQL server) cannot be reached right now."""
