"""Commands the logged-in user's role may not run: a dock wraps its command handlers with its gate, and
security sets ``allowed`` (the docks never import security). A refused command says so and does nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


class CommandGate:
    def __init__(self, tell: Callable[[str], None]) -> None:
        self.allowed: Callable[[str], bool] = lambda command_id: True  # a single-user station runs everything
        self._tell = tell

    def wrap(self, command_id: str, title: str, handler: Callable[[], object]) -> Callable[[], object]:
        def run() -> object:
            if not self.allowed(command_id):
                log.info("command %s refused for this user's role", command_id)
                self._tell(f"{title}: not available to your role.")
                return None
            return handler()
        return run
