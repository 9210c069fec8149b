"""Who is logged in at this station and when the screen locks (idle timeout); no Qt.

Locking keeps the reading state (the window stays as it is behind the lock); unlocking needs the same
user's password. Another user logging in instead ends the session (their exams are closed by the caller).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from workstation.security.users import User


@dataclass
class UserSession:
    user: User
    idle_lock_s: float
    last_activity: float = field(default_factory=time.monotonic)
    locked: bool = False

    def touch(self, now: float | None = None) -> None:
        if not self.locked:
            self.last_activity = time.monotonic() if now is None else now

    def should_lock(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        return not self.locked and self.idle_lock_s > 0 and now - self.last_activity >= self.idle_lock_s

    def lock(self) -> None:
        self.locked = True

    def unlock(self, now: float | None = None) -> None:
        self.locked = False
        self.touch(now)
