from workstation.core.commands import CommandRegistry
from workstation.core.keymap import Keymap
from workstation.viewer.phantoms import phantom_stack
from workstation.viewer.reading_commands import register_reading_commands
from workstation.viewer.reading_session import ReadingSession


def _session(layout="1x1", stacks=None):
    session = ReadingSession(layout=layout)
    registry = CommandRegistry()
    register_reading_commands(registry, session)
    session.set_display_sets(stacks or [phantom_stack(uid=f"s{n}", slices=30, size=16) for n in range(3)])
    return session, registry


def test_every_default_key_of_the_session_namespaces_has_a_command():
    """Image, layout, tool, measurement and link keys all run session commands; other namespaces (MPR/3D
    panel, help dialogs, hanging, worklist, PACS, dictation, report) are registered by their Qt views."""
    session, registry = _session()
    bindings = Keymap.load().bindings()
    own = [c for c in bindings if c.startswith(("viewport.", "layout.", "tool.", "measurement.", "sync."))]
    assert len(own) > 40
    assert [c for c in own if c not in registry] == ["sync.toggle_registration"]  # the view runs the worker


def test_keys_through_keymap_and_commands_move_the_slice():
    session, registry = _session()
    keymap = Keymap.load()
    press = lambda key: registry.execute(keymap.command_for(key))  # noqa: E731
    viewport = session.active_viewport
    press("Down"); press("Down")
    assert viewport.slice_index == 2
    press("Up")
    assert viewport.slice_index == 1
    press("PgDown")
    assert viewport.slice_index == 4
    press("End")
    assert viewport.slice_index == 29
    press("Home")
    assert viewport.slice_index == 0


def test_presets_set_the_ct_windows_from_the_data_file():
    session, registry = _session()
    registry.execute("viewport.window_preset_1")
    assert (session.active_viewport.window.center, session.active_viewport.window.width) == (40, 80)
    registry.execute("viewport.window_preset_2")
    assert (session.active_viewport.window.center, session.active_viewport.window.width) == (-600, 1500)
    assert session.message == "Window: Lung"


def test_modality_without_presets_uses_the_header_windows():
    session, registry = _session(stacks=[phantom_stack(modality="MR", slices=2, size=8)])
    registry.execute("viewport.window_preset_1")
    assert session.active_viewport.window.name == "Header"
    registry.execute("viewport.window_preset_2")
    assert "No window preset 2 for MR" in session.message


def test_layout_tab_series_and_fullscreen():
    session, registry = _session(layout="2x2")
    assert [v.stack.uid for v in session.visible_viewports[:3]] == ["s0", "s1", "s2"]
    assert session.visible_viewports[3].stack is None
    registry.execute("layout.next_viewport")
    assert session.active_index == 1
    registry.execute("viewport.next_series")
    assert session.active_viewport.stack.uid == "s2"
    registry.execute("viewport.next_series")  # already the last: stays
    assert session.active_viewport.stack.uid == "s2"
    registry.execute("viewport.previous_series")
    assert session.active_viewport.stack.uid == "s1"
    registry.execute("layout.toggle_fullscreen_viewport")
    assert session.visible_viewports == [session.viewports[1]]
    registry.execute("layout.set_1x1")
    assert session.active_index == 0 and len(session.visible_viewports) == 1
    for _ in range(5):
        registry.execute("layout.previous_viewport")
    assert session.active_index == 0


def test_listeners_hear_every_command():
    session, registry = _session()
    heard = []
    session.subscribe(lambda: heard.append(1))
    registry.execute("viewport.invert")
    registry.execute("viewport.cine_toggle")
    assert len(heard) == 2 and session.active_viewport.invert and session.active_viewport.cine.playing


def test_linked_scrolling_by_position_in_one_frame_of_reference_and_by_offset_otherwise():
    fine = phantom_stack(uid="fine", slices=40, spacing=(1, 1, 1.0), size=8, origin=(0, 0, 0))
    thick = phantom_stack(uid="thick", slices=10, spacing=(1, 1, 4.0), size=8, origin=(0, 0, 0))
    prior = phantom_stack(uid="prior", slices=40, size=8, frame_of_reference_uid="9.9")
    session, registry = _session(layout="2x2", stacks=[fine, thick, prior])
    registry.execute("sync.toggle_scroll_link")
    for _ in range(8):
        registry.execute("viewport.next_image")
    fine_viewport, thick_viewport, prior_viewport = session.viewports[:3]
    assert fine_viewport.slice_index == 8
    assert thick_viewport.slice_index == 2  # z = 8 mm on the 4 mm stack
    assert prior_viewport.slice_index == 8  # other frame of reference: same offset (0)
    registry.execute("sync.toggle_scroll_link")
    registry.execute("viewport.next_image")
    assert thick_viewport.slice_index == 2


def test_delete_and_undo_measurement_commands():
    from workstation.viewer.measurements import Measurement

    session, registry = _session()
    stack = session.active_viewport.stack
    session.measurements.add(Measurement("length", stack.uid, 0, ((0, 0), (3, 4))))
    registry.execute("measurement.delete")
    assert len(session.measurements) == 0
    registry.execute("measurement.undo")
    assert len(session.measurements) == 1
    registry.execute("tool.angle")
    assert session.active_tool == "angle"


def test_window_and_zoom_links_copy_the_active_viewport():
    session, registry = _session(layout="1x2")
    left, right = session.viewports[:2]
    registry.execute("sync.toggle_window_link")
    registry.execute("viewport.window_preset_2")
    assert right.window == left.window and left.window.name == "Lung"
    registry.execute("viewport.zoom_in")  # zoom is not linked yet
    assert right.zoom == 1.0
    registry.execute("sync.toggle_zoom_link")
    assert right.zoom == left.zoom > 1.0
    registry.execute("viewport.zoom_in")
    assert right.zoom == left.zoom > 1.5
    registry.execute("sync.toggle_window_link")
    registry.execute("viewport.window_preset_1")
    assert right.window.name == "Lung" and left.window.name == "Brain"
