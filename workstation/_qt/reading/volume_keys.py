"""What the image keys do while MPR or 3D shows: the same commands (arrows, pages, R, zoom, presets, reset,
Tab) act on the volume panel instead of the active 2D viewport."""

from __future__ import annotations

from collections.abc import Callable

from workstation._qt.reading.volume_panel import VolumePanel
from workstation.viewer.reading_session import STACK, VOLUME_RENDERING, ReadingSession
from workstation.viewer.viewport import ZOOM_STEP

PRESET_PREFIX = "viewport.window_preset_"


def volume_panel_action(command_id: str, panel: VolumePanel, session: ReadingSession) -> Callable[[], None] | None:
    """The panel's action for a reading command, or None when the command stays with the 2D viewports (the
    panel is closed, still building, or the command is not an image key). Actions set ``session.message``."""
    if session.view_mode == STACK or not panel.is_ready:
        return None
    if command_id.startswith(PRESET_PREFIX):
        number = int(command_id[len(PRESET_PREFIX):])
        return lambda: _preset(number, panel, session)
    actions: dict[str, Callable[[], object]] = {
        "viewport.next_image": lambda: panel.scroll(-1),  # as in a CT stack: Down goes towards the feet
        "viewport.previous_image": lambda: panel.scroll(1),
        "viewport.next_page": lambda: panel.page(-1),
        "viewport.previous_page": lambda: panel.page(1),
        "viewport.rotate_clockwise": lambda: panel.rotate(1),
        "viewport.rotate_counterclockwise": lambda: panel.rotate(-1),
        "viewport.zoom_in": lambda: panel.zoom(ZOOM_STEP),
        "viewport.zoom_out": lambda: panel.zoom(1 / ZOOM_STEP),
        "viewport.reset": panel.reset,
        "layout.next_viewport": lambda: panel.next_plane(1),
        "layout.previous_viewport": lambda: panel.next_plane(-1),
    }
    action = actions.get(command_id)
    if action is None:
        return None

    def run() -> None:
        session.message = ""
        action()

    return run


def _preset(number: int, panel: VolumePanel, session: ReadingSession) -> None:
    """Keys 1-9: the n-th 3D rendering preset, or the n-th window preset of the series' modality in MPR."""
    if session.view_mode == VOLUME_RENDERING:
        session.message = panel.set_preset(number)
        return
    stack = panel.stack
    windows = session.presets.for_modality(stack.labels.modality, stack.header_windows)
    if not 1 <= number <= len(windows):
        session.message = f"No window preset {number} for {stack.labels.modality or 'this image'}."
        return
    panel.set_window(windows[number - 1])
    session.message = f"MPR window: {windows[number - 1].name}"
