"""Failures of talking to a PACS, each with a message that says what failed and what to do."""

from __future__ import annotations

from workstation.core.errors import WorkstationError


class PacsError(WorkstationError):
    """A PACS could not be reached, refused us, or a transfer failed; ``str()`` is the user's message."""


class RetrieveCancelled(PacsError):
    """The user cancelled a retrieve; what arrived before stays in the archive."""
