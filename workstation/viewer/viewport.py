"""One viewport's state: which stack, which image, how it is windowed and placed on screen.

Plain data plus the operations the commands and tools perform; the Qt widget only draws it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from workstation.dicom.voi import WindowLevel
from workstation.viewer.cine import Cine
from workstation.viewer.image_plane import ImagePlane
from workstation.viewer.image_stack import ImageStack
from workstation.viewer.view_transform import ViewTransform
from workstation.volume.mpr import orientation_label

MIN_ZOOM = 0.05
MAX_ZOOM = 40.0
ZOOM_STEP = 1.25
MIN_WINDOW_WIDTH = 1.0
AUTO_WINDOW_NAME = "Auto"  # a window computed from the pixels, not chosen by anyone


def window_from_values(values: np.ndarray) -> WindowLevel:
    """A window covering the 1st to 99th percentile, for images whose header suggests none."""
    sample = values[:: max(1, values.shape[0] // 128), :: max(1, values.shape[1] // 128)]
    low, high = np.percentile(sample, [1, 99]) if sample.size else (0.0, 1.0)
    return WindowLevel(center=float(low + high) / 2, width=max(float(high - low), MIN_WINDOW_WIDTH),
                       name=AUTO_WINDOW_NAME)


@dataclass(eq=False)
class Viewport:
    stack: ImageStack | None = None
    slice_index: int = 0
    window: WindowLevel | None = None
    invert: bool = False
    zoom: float = 1.0  # relative to fit
    pan_mm: tuple[float, float] = (0.0, 0.0)  # screen-aligned, from the centred position
    rotation_quarters: int = 0  # clockwise
    flip_horizontal: bool = False
    flip_vertical: bool = False
    overlays_visible: bool = True
    cine: Cine = field(default_factory=Cine)
    expected: str = ""  # shown while empty: what a hanging protocol wanted here

    # --- what is shown ---
    def show(self, stack: ImageStack | None, slice_index: int = 0) -> None:
        """Put a stack in this viewport, at its first image (or ``slice_index``), with its default window."""
        self.stack = stack
        self.expected = ""
        self.reset()
        self.cine.playing = False
        self.slice_index = 0
        if stack is not None:
            self.go_to(slice_index)

    @property
    def image_count(self) -> int:
        return len(self.stack) if self.stack is not None else 0

    def current_pixels(self) -> np.ndarray | None:
        return self.stack.pixels(self.slice_index) if self.stack is not None and self.image_count else None

    def current_plane(self) -> ImagePlane | None:
        return self.stack.planes[self.slice_index] if self.stack is not None and self.image_count else None

    # --- navigation ---
    def go_to(self, index: int) -> bool:
        """Move to image ``index`` (clamped); True if the image changed."""
        if not self.image_count:
            return False
        index = min(max(int(index), 0), self.image_count - 1)
        changed = index != self.slice_index
        self.slice_index = index
        return changed

    def scroll(self, steps: int) -> bool:
        return self.go_to(self.slice_index + steps)

    @property
    def page_size(self) -> int:
        """Page Up/Down jumps a tenth of the stack (at least one image)."""
        return max(1, self.image_count // 10)

    # --- window ---
    def effective_window(self) -> WindowLevel | None:
        """The chosen window, else the header's first, else one computed from the current image."""
        if self.window is not None:
            return self.window
        if self.stack is not None and self.stack.header_windows:
            return self.stack.header_windows[0]
        pixels = self.current_pixels()
        if pixels is not None:
            self.window = window_from_values(pixels)
        return self.window

    def set_window(self, center: float, width: float, name: str = "") -> None:
        self.window = WindowLevel(center=float(center), width=max(float(width), MIN_WINDOW_WIDTH), name=name)

    def adjust_window(self, delta_center: float, delta_width: float) -> None:
        current = self.effective_window() or WindowLevel(0.0, 1.0)
        self.set_window(current.center + delta_center, current.width + delta_width)

    def toggle_invert(self) -> None:
        self.invert = not self.invert

    # --- placement ---
    def set_zoom(self, zoom: float) -> None:
        self.zoom = min(MAX_ZOOM, max(MIN_ZOOM, float(zoom)))

    def zoom_by(self, factor: float) -> None:
        self.set_zoom(self.zoom * factor)

    def zoom_about(self, factor: float, offset_px: tuple[float, float], view_scale: float) -> None:
        """Zoom keeping the image point under the pointer in place; ``offset_px`` is the pointer's offset
        from the viewport centre, ``view_scale`` the current view pixels per mm."""
        old_zoom = self.zoom
        self.set_zoom(old_zoom * factor)
        new_scale = view_scale * self.zoom / old_zoom
        self.pan_by(offset_px[0] * (1 / new_scale - 1 / view_scale), offset_px[1] * (1 / new_scale - 1 / view_scale))

    def pan_by(self, dx_mm: float, dy_mm: float) -> None:
        self.pan_mm = (self.pan_mm[0] + dx_mm, self.pan_mm[1] + dy_mm)

    def fit(self) -> None:
        self.zoom = 1.0
        self.pan_mm = (0.0, 0.0)

    def rotate(self, quarters: int) -> None:
        self.rotation_quarters = (self.rotation_quarters + quarters) % 4

    def toggle_flip_horizontal(self) -> None:
        self.flip_horizontal = not self.flip_horizontal

    def toggle_flip_vertical(self) -> None:
        self.flip_vertical = not self.flip_vertical

    def reset(self) -> None:
        """Back to how the image first appeared: fitted, upright, not inverted, default window."""
        self.fit()
        self.rotation_quarters = 0
        self.flip_horizontal = self.flip_vertical = False
        self.invert = False
        self.window = None

    # --- geometry for drawing ---
    def view_transform(self, view_width: float, view_height: float) -> ViewTransform | None:
        plane = self.current_plane()
        if plane is None:
            return None
        return ViewTransform.build(
            (view_width, view_height), (self.stack.columns, self.stack.rows),
            (plane.column_spacing, plane.row_spacing), self.zoom, self.pan_mm,
            self.rotation_quarters, self.flip_horizontal, self.flip_vertical,
        )

    def orientation_labels(self) -> dict[str, str]:
        """Letters for the four edges (empty when the image has no orientation), radiological convention."""
        plane = self.current_plane()
        if plane is None or not plane.has_orientation:
            return {}
        transform = ViewTransform.build((1, 1), (1, 1), (1, 1), 1.0, (0, 0), self.rotation_quarters,
                                        self.flip_horizontal, self.flip_vertical)
        right, down = transform.screen_directions_in_image()
        row, column = np.asarray(plane.row_direction), np.asarray(plane.column_direction)
        screen_right, screen_down = row * right[0] + column * right[1], row * down[0] + column * down[1]
        return {
            "right": orientation_label(screen_right),
            "left": orientation_label(-screen_right),
            "bottom": orientation_label(screen_down),
            "top": orientation_label(-screen_down),
        }
