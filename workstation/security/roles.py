"""Roles and what each may do: one table, so a security officer can read the whole policy at once."""

from __future__ import annotations

from enum import Enum


class Permission(str, Enum):
    READ = "read"
    REPORT = "report"
    SIGN_FINAL = "sign final"
    TRANSCRIBE = "transcribe"
    CHANGE_SITE_PROTOCOLS = "change site protocols"
    BREAK_THE_GLASS = "break the glass"
    EXPORT = "export"
    MARK_CONFIDENTIAL = "mark confidential"
    ADMINISTER = "administer"


class Role(str, Enum):
    RADIOLOGIST = "radiologist"
    RESIDENT = "resident"
    TRANSCRIPTIONIST = "transcriptionist"
    CLINICIAN = "clinician"
    ADMINISTRATOR = "administrator"

    @classmethod
    def parse(cls, text: str) -> "Role":
        try:
            return cls(text.strip().lower())
        except ValueError:
            from workstation.security.errors import SecurityError

            raise SecurityError(f"Unknown role {text!r}; use one of: {', '.join(r.value for r in cls)}.") from None


P = Permission
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.RADIOLOGIST: frozenset({P.READ, P.REPORT, P.SIGN_FINAL, P.BREAK_THE_GLASS, P.EXPORT, P.MARK_CONFIDENTIAL}),
    Role.RESIDENT: frozenset({P.READ, P.REPORT, P.BREAK_THE_GLASS}),
    Role.TRANSCRIPTIONIST: frozenset({P.TRANSCRIBE}),
    Role.CLINICIAN: frozenset({P.READ}),
    Role.ADMINISTRATOR: frozenset({P.READ, P.CHANGE_SITE_PROTOCOLS, P.BREAK_THE_GLASS, P.EXPORT,
                                   P.MARK_CONFIDENTIAL, P.ADMINISTER}),
}


def may(role: Role, permission: Permission) -> bool:
    return permission in PERMISSIONS[role]
