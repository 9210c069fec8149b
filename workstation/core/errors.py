"""Errors a user can meet, each with a message in the user's words."""

from __future__ import annotations


class WorkstationError(Exception):
    """Base of all expected failures: ``str(error)`` is shown to the user as is."""


class DicomReadError(WorkstationError):
    """A file could not be read as DICOM (or not decoded); the message names the file and the problem."""

    def __init__(self, path: object, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class ArchiveError(WorkstationError):
    """The local archive could not do what was asked (disk full, unknown study, ...)."""
