"""Named commands: every user action has an id (``viewport.next_series``) so keys, menus and scripts share it.

The registry maps an id to a title (what the keymap dialog and cheat sheet show) and a handler that takes
no arguments; handlers close over the model they act on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from workstation.core.errors import WorkstationError

log = logging.getLogger(__name__)


class UnknownCommandError(WorkstationError):
    """A key, menu or script named a command that nothing registered."""

    def __init__(self, command_id: str) -> None:
        super().__init__(f"There is no command named '{command_id}'. Check the keymap or the script for a typo.")
        self.command_id = command_id


@dataclass(frozen=True)
class Command:
    command_id: str
    title: str
    handler: Callable[[], object]

    @property
    def category(self) -> str:
        """The part before the first dot (``viewport``, ``tool``, ...), used to group the cheat sheet."""
        return self.command_id.split(".", 1)[0]


class CommandRegistry:
    """Commands by id, kept in registration order (the order menus and the cheat sheet list them in)."""

    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}

    def register(self, command_id: str, title: str, handler: Callable[[], object]) -> Command:
        if "." not in command_id or command_id != command_id.strip():
            raise ValueError(f"command id {command_id!r} must be namespaced, like 'viewport.next_series'")
        if command_id in self._commands:
            raise ValueError(f"command {command_id!r} is registered twice")
        command = Command(command_id, title, handler)
        self._commands[command_id] = command
        return command

    def execute(self, command_id: str) -> object:
        command = self.get(command_id)
        log.debug("command %s", command_id)
        return command.handler()

    def get(self, command_id: str) -> Command:
        try:
            return self._commands[command_id]
        except KeyError:
            raise UnknownCommandError(command_id) from None

    def __contains__(self, command_id: object) -> bool:
        return command_id in self._commands

    def __iter__(self) -> Iterator[Command]:
        return iter(self._commands.values())

    def __len__(self) -> int:
        return len(self._commands)
