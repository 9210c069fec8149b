"""The reading screen's named commands, bound to a ReadingSession; keys and menus run them by id."""

from __future__ import annotations

from collections.abc import Callable

from workstation.core.commands import CommandRegistry
from workstation.viewer.reading_session import TOOL_NAMES, ReadingSession
from workstation.viewer.viewport import ZOOM_STEP

LAYOUT_COMMANDS = ("1x1", "1x2", "1+2", "2x2", "3x3", "4x4")
TOOL_TITLES = {"window_level": "window/level", "pan": "pan", "zoom": "zoom", "scroll": "scroll",
               "length": "measure length", "angle": "measure angle", "ellipse_roi": "ellipse ROI",
               "rectangle_roi": "rectangle ROI"}


def register_reading_commands(registry: CommandRegistry, session: ReadingSession) -> None:
    """Register every ``viewport.*``, ``layout.*``, ``sync.*``, ``tool.*`` and ``measurement.*`` command.

    Each handler changes the session and then notifies its listeners (the view repaints).
    """

    def add(command_id: str, title: str, action: Callable[[], object]) -> None:
        def run() -> None:
            action()
            if command_id.startswith("viewport."):  # linked viewports follow zoom, pan and window changes
                session.sync.propagate(session.active_viewport)
            session.notify()

        registry.register(command_id, title, run)

    active = lambda: session.active_viewport  # noqa: E731 - the active viewport changes between calls

    add("viewport.next_image", "Next image", lambda: session.scroll_active(1))
    add("viewport.previous_image", "Previous image", lambda: session.scroll_active(-1))
    add("viewport.next_page", "Jump forward a tenth of the stack",
        lambda: session.scroll_active(active().page_size))
    add("viewport.previous_page", "Jump back a tenth of the stack",
        lambda: session.scroll_active(-active().page_size))
    add("viewport.first_image", "First image", lambda: session.go_to_active(0))
    add("viewport.last_image", "Last image", lambda: session.go_to_active(active().image_count - 1))
    add("viewport.next_series", "Next series in this viewport", lambda: session.step_series(1))
    add("viewport.previous_series", "Previous series in this viewport", lambda: session.step_series(-1))
    for number in range(1, 10):
        add(f"viewport.window_preset_{number}", f"Window preset {number}",
            lambda number=number: session.apply_preset(number))
    add("viewport.invert", "Invert grey scale", lambda: active().toggle_invert())
    add("viewport.reset", "Reset window, zoom, rotation", lambda: active().reset())
    add("viewport.fit", "Fit image to viewport", lambda: active().fit())
    add("viewport.zoom_in", "Zoom in", lambda: active().zoom_by(ZOOM_STEP))
    add("viewport.zoom_out", "Zoom out", lambda: active().zoom_by(1 / ZOOM_STEP))
    add("viewport.rotate_clockwise", "Rotate 90° clockwise", lambda: active().rotate(1))
    add("viewport.rotate_counterclockwise", "Rotate 90° counter-clockwise", lambda: active().rotate(-1))
    add("viewport.flip_horizontal", "Flip left-right", lambda: active().toggle_flip_horizontal())
    add("viewport.flip_vertical", "Flip top-bottom", lambda: active().toggle_flip_vertical())
    add("viewport.toggle_overlays", "Show/hide text overlays", _toggle_overlays(session))
    add("viewport.cine_toggle", "Play/stop cine", lambda: _toggle_cine(active()))
    add("viewport.cine_faster", "Cine faster", lambda: active().cine.faster())
    add("viewport.cine_slower", "Cine slower", lambda: active().cine.slower())
    add("layout.next_viewport", "Next viewport", lambda: session.next_viewport(1))
    add("layout.previous_viewport", "Previous viewport", lambda: session.next_viewport(-1))
    add("layout.toggle_fullscreen_viewport", "Active viewport full size / back", session.toggle_fullscreen)
    for name in LAYOUT_COMMANDS:
        add(f"layout.set_{name}", f"Layout {name}", lambda name=name: session.set_layout(name))
    add("sync.toggle_scroll_link", "Link/unlink scrolling of all viewports", session.toggle_scroll_link)
    add("sync.toggle_window_link", "Link/unlink window/level of all viewports", session.toggle_window_link)
    add("sync.toggle_zoom_link", "Link/unlink zoom and pan of all viewports", session.toggle_zoom_link)
    add("sync.toggle_viewport_link", "Take this viewport out of the links / back in", session.toggle_viewport_link)
    for tool in TOOL_NAMES:
        add(f"tool.{tool}", f"Left button: {TOOL_TITLES[tool]}", lambda tool=tool: session.set_tool(tool))
    add("measurement.delete", "Delete the last measurement on this image", session.delete_last_measurement)
    add("measurement.undo", "Undo the last measurement change", session.measurements.undo)


def _toggle_cine(viewport) -> None:
    viewport.cine.playing = not viewport.cine.playing and viewport.image_count > 1


def _toggle_overlays(session: ReadingSession) -> Callable[[], None]:
    """Overlays are toggled on every visible viewport at once: a reader wants them all on or all off."""

    def toggle() -> None:
        visible = not session.active_viewport.overlays_visible
        for viewport in session.viewports:
            viewport.overlays_visible = visible

    return toggle
