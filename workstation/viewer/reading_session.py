"""The reading screen's model: the display sets of the open studies, the layout and its viewports.

Commands act on it (see reading_commands); the Qt view draws it and calls ``changed`` listeners' work
through ``notify``. Viewports beyond the layout's cells keep their state, so going 2x2 -> 1x1 -> 2x2
brings the same images back.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from workstation.viewer.image_plane import ImagePlane
from workstation.viewer.image_stack import ImageStack
from workstation.viewer.layout import MAX_GRID, Layout, parse_layout
from workstation.viewer.measurements import MeasurementList
from workstation.viewer.reference_lines import locate
from workstation.viewer.sync import SyncGroup
from workstation.viewer.viewport import Viewport
from workstation.viewer.window_presets import WindowPresets

STACK, MPR, VOLUME_RENDERING = "stack", "mpr", "3d"  # what the reading area shows besides the 2D viewports
TOOL_NAMES = ("window_level", "pan", "zoom", "scroll", "length", "angle", "ellipse_roi", "rectangle_roi")


class ReadingSession:
    def __init__(self, presets: WindowPresets | None = None, layout: str = "1x1") -> None:
        self.presets = presets or WindowPresets.load()
        self.display_sets: list[ImageStack] = []
        self.viewports = [Viewport() for _ in range(MAX_GRID * MAX_GRID)]
        self.layout: Layout = parse_layout(layout)
        self.active_index = 0
        self.fullscreen = False
        self.active_tool = "window_level"
        self.measurements = MeasurementList()
        self.sync = SyncGroup(viewports=list(self.viewports))
        self.message = ""  # the last thing the user should read in the status line
        self.view_mode = STACK  # STACK: the grid alone; MPR or VOLUME_RENDERING: the volume panel beside it
        self.volume_planes: tuple[str, list[ImagePlane]] = ("", [])  # (frame of reference, MPR planes) shown
        self.located: tuple[str, np.ndarray] | None = None  # (frame of reference, LPS point) last located
        self._listeners: list[Callable[[], None]] = []

    # --- observers ---
    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def notify(self) -> None:
        for listener in self._listeners:
            listener()

    # --- viewports ---
    @property
    def visible_viewports(self) -> list[Viewport]:
        if self.fullscreen:
            return [self.active_viewport]
        return self.viewports[: len(self.layout)]

    @property
    def active_viewport(self) -> Viewport:
        return self.viewports[self.active_index]

    def activate(self, index: int) -> None:
        self.active_index = index % len(self.layout)

    def next_viewport(self, step: int = 1) -> None:
        self.fullscreen = False if len(self.layout) == 1 else self.fullscreen
        self.activate(self.active_index + step)

    def toggle_fullscreen(self) -> None:
        self.fullscreen = not self.fullscreen

    def set_layout(self, name: str) -> None:
        """Change the grid; empty new cells get the next display sets not yet shown."""
        self.layout = parse_layout(name)
        self.fullscreen = False
        self.active_index = min(self.active_index, len(self.layout) - 1)
        self._fill_empty_viewports()

    # --- display sets ---
    def set_display_sets(self, stacks: list[ImageStack]) -> None:
        """Open a reading: viewports show the display sets in order (current study first, then priors)."""
        self.display_sets = list(stacks)
        self.sync.reset_groups()  # the last exam's protocol groups do not carry over
        for viewport in self.viewports:
            viewport.show(None)
        self.active_index = 0
        self._fill_empty_viewports()

    def add_display_set(self, stack: ImageStack) -> None:
        self.display_sets.append(stack)
        self._fill_empty_viewports()

    def _fill_empty_viewports(self) -> None:
        shown = {id(v.stack) for v in self.viewports if v.stack is not None}
        waiting = [s for s in self.display_sets if id(s) not in shown]
        for viewport in self.viewports[: len(self.layout)]:
            if viewport.stack is None and waiting:
                viewport.show(waiting.pop(0))

    def show_in_active(self, stack_index: int) -> None:
        if 0 <= stack_index < len(self.display_sets):
            self.active_viewport.show(self.display_sets[stack_index])

    def step_series(self, step: int) -> None:
        """N/P: the active viewport shows the next/previous display set in the series strip."""
        if not self.display_sets:
            return
        current = self.active_viewport.stack
        index = next((i for i, s in enumerate(self.display_sets) if s is current), -1)
        target = min(max(index + step, 0), len(self.display_sets) - 1) if index >= 0 else 0
        if target != index:
            self.show_in_active(target)

    # --- actions that touch linked viewports ---
    def scroll_active(self, steps: int) -> None:
        viewport = self.active_viewport
        if viewport.scroll(steps):
            self.sync.propagate(viewport)

    def go_to_active(self, index: int) -> None:
        viewport = self.active_viewport
        if viewport.go_to(index):
            self.sync.propagate(viewport)

    def apply_preset(self, number: int) -> None:
        """Keys 1-9: the n-th preset of the active viewport's modality."""
        viewport = self.active_viewport
        if viewport.stack is None:
            return
        presets = self.presets.for_modality(viewport.stack.labels.modality, viewport.stack.header_windows)
        if not 1 <= number <= len(presets):
            self.message = f"No window preset {number} for {viewport.stack.labels.modality or 'this image'}."
            return
        viewport.window = presets[number - 1]
        self.message = f"Window: {presets[number - 1].name}"
        self.sync.propagate(viewport)

    def toggle_scroll_link(self) -> None:
        self.sync.set_link_scroll(not self.sync.link_scroll)
        self.message = "Scrolling linked" if self.sync.link_scroll else "Scrolling unlinked"

    def toggle_window_link(self) -> None:
        self.sync.link_window = not self.sync.link_window
        self.message = "Window/level linked" if self.sync.link_window else "Window/level unlinked"
        self.sync.propagate(self.active_viewport)

    def toggle_zoom_link(self) -> None:
        self.sync.link_zoom = not self.sync.link_zoom
        self.message = "Zoom and pan linked" if self.sync.link_zoom else "Zoom and pan unlinked"
        self.sync.propagate(self.active_viewport)

    def toggle_viewport_link(self) -> None:
        """The active viewport leaves every link (scroll, window, zoom) or joins them again."""
        linked = self.sync.toggle_member(self.active_viewport)
        self.message = "This viewport follows the links again" if linked else "This viewport is out of the links"

    def locate(self, source: Viewport, image_point: tuple[float, float]) -> None:
        """Shift+click: the other visible viewports of the same patient space go to the clicked point."""
        moved = locate(self.visible_viewports, source, image_point)
        if source.stack is not None and source.current_plane() is not None:
            self.located = (source.stack.frame_of_reference_uid, source.current_plane().patient_position(*image_point))
        self.message = f"Located in {len(moved)} other viewport(s)" if moved else "No other viewport shows that place"

    def locate_point(self, frame_of_reference_uid: str, point: np.ndarray) -> list[Viewport]:
        """The MPR crosshair moved: visible 2D viewports of that frame of reference go to the slice through it."""
        moved = []
        for viewport in self.visible_viewports:
            plane = viewport.current_plane()
            if (viewport.stack is not None and plane is not None and plane.has_orientation and frame_of_reference_uid
                    and viewport.stack.frame_of_reference_uid == frame_of_reference_uid):
                if viewport.go_to(viewport.stack.nearest_index(np.asarray(point, dtype=float))):
                    moved.append(viewport)
        return moved

    def reference_planes_for(self, viewport: Viewport) -> list[ImagePlane]:
        """The MPR planes to draw as reference lines on ``viewport`` (same frame of reference only)."""
        frame_of_reference_uid, planes = self.volume_planes
        if (self.view_mode != MPR or viewport.stack is None or not frame_of_reference_uid
                or viewport.stack.frame_of_reference_uid != frame_of_reference_uid):
            return []
        return planes

    # --- measurements ---
    def delete_last_measurement(self) -> None:
        viewport = self.active_viewport
        if viewport.stack is None:
            return
        last = self.measurements.last_on_image(viewport.stack.uid, viewport.slice_index)
        if last is not None:
            self.measurements.delete(last)

    def set_tool(self, name: str) -> None:
        if name not in TOOL_NAMES:
            raise ValueError(f"unknown tool {name!r}")
        self.active_tool = name
        self.message = f"Left button: {name.replace('_', ' ')}"
