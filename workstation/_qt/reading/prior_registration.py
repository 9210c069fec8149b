"""Ctrl+R: rigid registration of the current and prior volumes, so linked scrolling follows the anatomy.

For a current and a prior in different frames of reference, linked scrolling otherwise keeps the image
offset the reader set. The two volumes are built and registered (SimpleITK) in a worker; the result goes
into the session's sync group, which then maps each position through it. The same command forgets it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from workstation._qt.background import BackgroundTasks
from workstation.core.errors import WorkstationError
from workstation.viewer.image_stack import ImageStack
from workstation.viewer.reading_session import ReadingSession
from workstation.viewer.stack_volume import build_volume
from workstation.viewer.sync import same_space
from workstation.viewer.viewport import Viewport
from workstation.volume.registration import RigidRegistration, register_rigid

log = logging.getLogger(__name__)


class PriorRegistration:
    """``status_changed`` is called when the session's message changed outside a command (worker results)."""

    def __init__(self, session: ReadingSession, tasks: BackgroundTasks, status_changed: Callable[[], None]) -> None:
        self._session = session
        self._tasks = tasks
        self._status_changed = status_changed

    def toggle(self) -> None:
        """Register the active viewport's volume with the other visible one in another patient space, or
        forget that registration. Raises WorkstationError (a message) when there is no such pair."""
        session = self._session
        active = session.active_viewport
        partner = next((v for v in session.visible_viewports if v is not active and v.stack is not None
                        and active.stack is not None and v.stack is not active.stack and not same_space(active, v)),
                       None)
        if partner is None:
            raise WorkstationError("Registration needs two viewports showing volumes in different frames of "
                                   "reference (current and prior side by side).")
        current, prior = (active, partner) if not active.stack.is_prior else (partner, active)
        stacks = (current.stack, prior.stack)
        if session.sync.is_registered(stacks[0].uid, stacks[1].uid):
            session.sync.set_registration(stacks[0].uid, stacks[1].uid, None)
            session.message = "Registration off: linked scrolling keeps the image offset."
            session.notify()
            return
        snapshots = [[stack.pixels(i) for i in range(len(stack))] for stack in stacks]  # the GUI thread fills them
        session.message = "Registering current and prior…"
        self._status_changed()
        self._tasks.submit(
            lambda: register_rigid(*(build_volume(stack, snapshot) for stack, snapshot in zip(stacks, snapshots))),
            lambda registration: self._registered(current, stacks, registration),
            self._failed, "Registering current and prior")

    def _registered(self, current: Viewport, stacks: tuple[ImageStack, ImageStack],
                    registration: RigidRegistration) -> None:
        session = self._session
        session.sync.set_registration(stacks[0].uid, stacks[1].uid, registration.matrix)
        if not session.sync.link_scroll:
            session.sync.set_link_scroll(True)
        shift = ", ".join(f"{v:.1f}" for v in registration.translation_mm)
        log.info("current/prior registered, shift %s mm, metric %.3f", shift, registration.metric)
        session.message = f"Current and prior registered (shift {shift} mm); scrolling follows the anatomy."
        if current.stack is stacks[0]:
            session.sync.propagate(current)
        session.notify()

    def _failed(self, message: str) -> None:
        self._session.message = message
        self._status_changed()
