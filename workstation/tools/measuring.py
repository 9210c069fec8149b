"""Tools that draw measurements: length, angle, ellipse and rectangle ROI.

Length and ROIs are one drag (press at one end or corner, release at the other). The angle takes a drag
for the first arm (press at its end, release at the vertex), then a click for the end of the second arm.
A measurement enters the undoable list only when it is complete; ``preview`` is what is being drawn.
Pressing on a point of an existing measurement (within a few screen pixels) drags that point instead,
as an undoable edit.
"""

from __future__ import annotations

from workstation.tools.pointer import PointerEvent, ToolContext
from workstation.viewer.measurements import Measurement

MINIMUM_DRAG_PIXELS = 3.0
HANDLE_PIXELS = 6.0


class MeasuringTool:
    def __init__(self, kind: str) -> None:
        if kind not in ("length", "angle", "ellipse", "rectangle"):
            raise ValueError(f"unknown measurement kind {kind!r}")
        self.kind = kind
        self.preview: Measurement | None = None
        self._press_view: tuple[float, float] | None = None
        self._editing: tuple[Measurement, int] | None = None  # the original and the index of the moved point

    @property
    def active(self) -> bool:
        return self.preview is not None

    def press(self, context: ToolContext, event: PointerEvent) -> None:
        stack = context.viewport.stack
        if stack is None:
            return
        point = event.image_position
        if self.kind == "angle" and self.preview is not None and len(self.preview.points) == 3:
            self.preview = self.preview.with_points((*self.preview.points[:2], point))
            return
        handle = self._handle_at(context, event)
        if handle is not None:
            self._editing = handle
            self.preview = handle[0]
            return
        self._press_view = event.view_position
        self.preview = Measurement(self.kind, stack.uid, context.viewport.slice_index, (point, point))

    def move(self, context: ToolContext, event: PointerEvent) -> None:
        if self.preview is None:
            return
        if self._editing is not None:
            points = list(self.preview.points)
            points[self._editing[1]] = event.image_position
            self.preview = self.preview.with_points(tuple(points))
            return
        self.preview = self.preview.with_points((*self.preview.points[:-1], event.image_position))

    def release(self, context: ToolContext, event: PointerEvent) -> None:
        if self.preview is None:
            return
        self.move(context, event)
        if self._editing is not None:
            context.session.measurements.replace(self._editing[0], self.preview)
            self.cancel()
            return
        if self.kind == "angle" and len(self.preview.points) == 2:
            if self._too_small(event):
                self.preview = None
                return
            # first arm done: the vertex is where the drag ended; the second arm follows the pointer
            self.preview = self.preview.with_points((*self.preview.points, event.image_position))
            self._press_view = None
            return
        if self._too_small(event):
            self.preview = None
            return
        context.session.measurements.add(self.preview)
        self.preview = None
        self._press_view = None

    def hover(self, context: ToolContext, event: PointerEvent) -> None:
        """Between the clicks of an angle, the second arm follows the pointer."""
        if self.kind == "angle" and self.preview is not None and len(self.preview.points) == 3:
            self.move(context, event)

    def cancel(self) -> None:
        self.preview = None
        self._press_view = None
        self._editing = None

    def _handle_at(self, context: ToolContext, event: PointerEvent) -> tuple[Measurement, int] | None:
        """The measurement point (of any kind) under the pointer on this image, if any."""
        stack, transform = context.viewport.stack, context.transform
        if stack is None or transform is None:
            return None
        for measurement in reversed(context.session.measurements.on_image(stack.uid, context.viewport.slice_index)):
            for index, view_point in enumerate(transform.to_view(list(measurement.points))):
                dx, dy = view_point[0] - event.view_position[0], view_point[1] - event.view_position[1]
                if dx * dx + dy * dy <= HANDLE_PIXELS * HANDLE_PIXELS:
                    return measurement, index
        return None

    def _too_small(self, event: PointerEvent) -> bool:
        if self._press_view is None:
            return False
        dx = event.view_position[0] - self._press_view[0]
        dy = event.view_position[1] - self._press_view[1]
        return (dx * dx + dy * dy) ** 0.5 < MINIMUM_DRAG_PIXELS
