"""Which report and dictation commands a user may run, read from the roles table (security.roles): the
clinicians' mode has no reporting tools, a transcriptionist types but does not sign, a resident signs only
preliminary. Commands outside reporting are not gated here (what a user may *see* is the access policy's)."""

from __future__ import annotations

from workstation.security.roles import Permission
from workstation.security.users import User

REPORTING_PREFIXES = ("report.", "dictation.")
REPORTING = frozenset({Permission.REPORT, Permission.TRANSCRIBE})  # editing, dictating, the transcription queue
NEEDED: dict[str, frozenset[Permission]] = {
    "report.sign_preliminary": frozenset({Permission.REPORT}),
    "report.sign_final": frozenset({Permission.SIGN_FINAL}),
    "report.sign_addendum": frozenset({Permission.SIGN_FINAL}),
}


def may_run(user: User | None, command_id: str) -> bool:
    """``user=None``: a single-user station, where everything runs as before accounts existed."""
    if user is None:
        return True
    needed = NEEDED.get(command_id) or (REPORTING if command_id.startswith(REPORTING_PREFIXES) else None)
    return needed is None or any(user.may(permission) for permission in needed)
