"""Drag tools that change how the image is seen: window/level, pan, zoom and scroll.

Window/level: dragging right widens the window, dragging down raises the centre (the image darkens),
as in Weasis and OHIF; the speed scales with the window width at the start of the drag, so a narrow
brain window and a wide lung window both feel controllable.
"""

from __future__ import annotations

import math

from workstation.tools.pointer import PointerEvent, ToolContext

PIXELS_PER_ZOOM_DOUBLING = 150.0
PIXELS_PER_IMAGE = 4.0


class DragTool:
    """Remembers where the drag started; subclasses turn the displacement into a change."""

    def __init__(self) -> None:
        self._start: tuple[float, float] | None = None
        self._last: tuple[float, float] | None = None

    def press(self, context: ToolContext, event: PointerEvent) -> None:
        self._start = self._last = event.view_position
        self.started(context)

    def move(self, context: ToolContext, event: PointerEvent) -> None:
        if self._start is None or self._last is None:
            return
        dx, dy = event.view_position[0] - self._last[0], event.view_position[1] - self._last[1]
        total = (event.view_position[0] - self._start[0], event.view_position[1] - self._start[1])
        self._last = event.view_position
        self.dragged(context, dx, dy, total)

    def release(self, context: ToolContext, event: PointerEvent) -> None:
        self.move(context, event)
        self._start = self._last = None

    @property
    def active(self) -> bool:
        return self._start is not None

    def started(self, context: ToolContext) -> None:
        pass

    def dragged(self, context: ToolContext, dx: float, dy: float, total: tuple[float, float]) -> None:
        raise NotImplementedError


class WindowLevelTool(DragTool):
    def started(self, context: ToolContext) -> None:
        window = context.viewport.effective_window()
        self._initial = (window.center, window.width) if window else (0.0, 1.0)
        self._speed = max(self._initial[1] / 256.0, 0.05)

    def dragged(self, context: ToolContext, dx: float, dy: float, total: tuple[float, float]) -> None:
        center, width = self._initial
        context.viewport.set_window(center + total[1] * self._speed, width + total[0] * self._speed)
        context.session.sync.propagate(context.viewport)


class PanTool(DragTool):
    def dragged(self, context: ToolContext, dx: float, dy: float, total: tuple[float, float]) -> None:
        context.viewport.pan_by(dx / context.view_scale, dy / context.view_scale)
        context.session.sync.propagate(context.viewport)


class ZoomTool(DragTool):
    """Dragging up zooms in, down zooms out; 150 pixels double or halve the size."""

    def started(self, context: ToolContext) -> None:
        self._initial_zoom = context.viewport.zoom

    def dragged(self, context: ToolContext, dx: float, dy: float, total: tuple[float, float]) -> None:
        context.viewport.set_zoom(self._initial_zoom * math.pow(2.0, -total[1] / PIXELS_PER_ZOOM_DOUBLING))
        context.session.sync.propagate(context.viewport)


class ScrollTool(DragTool):
    """Dragging down moves forward through the stack, one image every few pixels."""

    def started(self, context: ToolContext) -> None:
        self._initial_index = context.viewport.slice_index

    def dragged(self, context: ToolContext, dx: float, dy: float, total: tuple[float, float]) -> None:
        if context.viewport.go_to(self._initial_index + int(total[1] / PIXELS_PER_IMAGE)):
            context.session.sync.propagate(context.viewport)
