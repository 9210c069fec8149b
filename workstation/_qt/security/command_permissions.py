"""Which reading-room commands (report, dictation, worklist) a user may run, read from the roles table
(security.roles): the clinicians' mode has no reporting tools and takes no worklist locks, a transcriptionist
types but does not sign, a resident signs only preliminary. Other commands are not gated here (what a user may
*see* is the access policy's)."""

from __future__ import annotations

from workstation.security.roles import Permission
from workstation.security.users import User

READING_ROOM_PREFIXES = ("report.", "dictation.", "worklist.")
READING_ROOM = frozenset({Permission.REPORT, Permission.TRANSCRIBE})  # editing, dictating, the worklist
NEEDED: dict[str, frozenset[Permission]] = {
    "report.sign_preliminary": frozenset({Permission.REPORT}),
    "report.sign_final": frozenset({Permission.SIGN_FINAL}),
    "report.sign_addendum": frozenset({Permission.SIGN_FINAL}),
}


def may_run(user: User | None, command_id: str) -> bool:
    """``user=None``: a single-user station, where everything runs as before accounts existed."""
    if user is None:
        return True
    needed = NEEDED.get(command_id) or (READING_ROOM if command_id.startswith(READING_ROOM_PREFIXES) else None)
    return needed is None or any(user.may(permission) for permission in needed)
