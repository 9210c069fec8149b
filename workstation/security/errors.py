"""Security failures a user can meet; ``str(error)`` says what failed and what to do."""

from __future__ import annotations

from workstation.core.errors import WorkstationError


class SecurityError(WorkstationError):
    """Base of the security package's expected failures."""


class AuthenticationError(SecurityError):
    """Unknown user, wrong password, disabled account or an unreachable directory."""


class AccessDenied(SecurityError):
    """The user's role or the exam's access list does not allow what was asked."""
