"""The reading screen as a reader uses it: keys through the keymap, presets, layouts, cine, help, loading."""

import os

import numpy as np
import pytest
from PySide6.QtCore import Qt

from workstation._qt.reading.keymap_dialog import KeymapDialog
from workstation._qt.reading.overlays import corner_texts
from workstation._qt.reading.reading_view import ReadingView
from workstation.core.keymap import user_keymap_path
from workstation.viewer.phantoms import phantom_stack

pytestmark = pytest.mark.gui
CT_FOLDER = "ct_volume/pancreatic_ct_cbct_seg_philips_ct/dicom"
LOAD_TIMEOUT_MS = 30_000


@pytest.fixture
def view(qtbot):
    reading = ReadingView()
    qtbot.addWidget(reading)
    reading.resize(1200, 800)
    reading.show()
    qtbot.waitExposed(reading)
    reading.setFocus()
    return reading


def _press(qtbot, widget, key, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(widget, key, modifier)


@pytest.fixture
def ct_view(view, qtbot, shared_dicom):
    events = []
    view.loader.preview_ready.connect(lambda stack: events.append(("preview", len(stack))))
    view.loader.stacks_ready.connect(lambda stacks, problems: events.append(
        ("stacks", max(stack.loaded_count for stack in stacks))))
    view.open_paths([shared_dicom / CT_FOLDER])
    qtbot.waitUntil(lambda: bool(view.session.display_sets) and view.session.active_viewport.current_pixels() is not None,
                    timeout=LOAD_TIMEOUT_MS)
    view.load_events = events
    return view


@pytest.mark.shared_data
def test_real_ct_first_image_before_the_series_is_decoded_then_keys_scroll(ct_view, qtbot, grab_grey):
    stack = ct_view.session.active_viewport.stack
    assert len(stack) == 134
    # one image was on screen before the headers of the series were all read, and it was the only one decoded
    assert ct_view.load_events == [("preview", 1), ("stacks", 1)]
    viewport = ct_view.session.active_viewport
    _press(qtbot, ct_view, Qt.Key.Key_Down)
    _press(qtbot, ct_view, Qt.Key.Key_Down)
    _press(qtbot, ct_view, Qt.Key.Key_Down)
    assert viewport.slice_index == 3
    _press(qtbot, ct_view, Qt.Key.Key_Up)
    assert viewport.slice_index == 2
    _press(qtbot, ct_view, Qt.Key.Key_PageDown)
    assert viewport.slice_index == 15
    _press(qtbot, ct_view, Qt.Key.Key_End)
    assert viewport.slice_index == 133
    _press(qtbot, ct_view, Qt.Key.Key_Home)
    assert viewport.slice_index == 0
    qtbot.waitUntil(lambda: stack.is_complete, timeout=LOAD_TIMEOUT_MS)
    for _ in range(60):
        _press(qtbot, ct_view, Qt.Key.Key_Down)
    widget = ct_view.viewport_widgets[0]
    widget.repaint()
    assert "Im: 61/134" in corner_texts(viewport, widget.transform())["bottom_left"]


@pytest.mark.shared_data
def test_real_ct_presets_from_keys_change_the_pixels(ct_view, qtbot, grab_grey):
    viewport = ct_view.session.active_viewport
    widget = ct_view.viewport_widgets[0]
    for _ in range(60):  # into the abdomen
        _press(qtbot, ct_view, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: viewport.current_pixels() is not None, timeout=LOAD_TIMEOUT_MS)
    _press(qtbot, ct_view, Qt.Key.Key_1)
    assert (viewport.window.center, viewport.window.width) == (40, 80)
    widget.repaint()
    brain = grab_grey(widget)
    _press(qtbot, ct_view, Qt.Key.Key_2)
    assert (viewport.window.center, viewport.window.width) == (-600, 1500)
    widget.repaint()
    lung = grab_grey(widget)
    _press(qtbot, ct_view, Qt.Key.Key_3)
    assert (viewport.window.center, viewport.window.width) == (400, 1800)
    widget.repaint()
    bone = grab_grey(widget)
    # soft tissue and fat: mid grey to black under brain 80/40, near white under lung 1500/-600
    assert lung.mean() > brain.mean() + 40
    assert (bone > 250).sum() < (lung > 250).sum()  # bone window: only bone stays white
    _press(qtbot, ct_view, Qt.Key.Key_I)
    widget.repaint()
    assert abs(grab_grey(widget)[100:-100, 100:-100].mean() - (255 - bone[100:-100, 100:-100].mean())) < 3
    _press(qtbot, ct_view, Qt.Key.Key_Space)
    assert viewport.window is None or viewport.window.width == 400  # back to the header window
    assert not viewport.invert


def test_layout_tab_series_fullscreen_from_the_keyboard(view, qtbot, grab_grey):
    stacks = [phantom_stack(uid=f"s{n}", size=32, slices=5) for n in range(3)]
    view.open_stacks(stacks)
    _press(qtbot, view, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)  # 2x2
    assert view.session.layout.name == "2x2"
    visible = [w for w in view.viewport_widgets if w.isVisible()]
    assert len(visible) == 4
    _press(qtbot, view, Qt.Key.Key_Tab)
    assert view.session.active_index == 1
    _press(qtbot, view, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    assert view.session.active_index == 0
    _press(qtbot, view, Qt.Key.Key_N)
    assert view.session.active_viewport.stack.uid == "s1"
    _press(qtbot, view, Qt.Key.Key_P)
    assert view.session.active_viewport.stack.uid == "s0"
    _press(qtbot, view, Qt.Key.Key_F)
    assert [w for w in view.viewport_widgets if w.isVisible()] == [view.viewport_widgets[0]]
    qtbot.waitUntil(lambda: view.viewport_widgets[0].width() > 900)
    _press(qtbot, view, Qt.Key.Key_F)
    assert len([w for w in view.viewport_widgets if w.isVisible()]) == 4


def test_cine_plays_at_the_set_rate_and_stops(view, qtbot):
    view.open_stacks([phantom_stack(size=16, slices=40)])
    viewport = view.session.active_viewport
    for _ in range(8):  # 10 fps -> up to 60 fps
        _press(qtbot, view, Qt.Key.Key_BracketRight)
    assert viewport.cine.fps == 60
    _press(qtbot, view, Qt.Key.Key_C)
    qtbot.waitUntil(lambda: viewport.slice_index >= 10, timeout=3000)
    _press(qtbot, view, Qt.Key.Key_C)
    stopped_at = viewport.slice_index
    qtbot.wait(100)
    assert viewport.slice_index == stopped_at


def test_question_mark_shows_the_cheat_sheet_with_current_keys(view, qtbot, grab_grey):
    view.open_stacks([phantom_stack(size=16, slices=3)])
    before = grab_grey(view)
    qtbot.keyClick(view, "?")
    assert view.cheat_sheet.isVisible()
    assert ("Image", "Down, Right", "Next image") in view.cheat_sheet.lines
    assert ("Help", "?", "Show/hide the list of keys") in view.cheat_sheet.lines
    shown = grab_grey(view)
    assert np.abs(shown.astype(int) - before).mean() > 5  # the overlay covers the screen
    _press(qtbot, view, Qt.Key.Key_Escape)
    assert not view.cheat_sheet.isVisible()


def test_keymap_dialog_remaps_and_the_next_session_uses_it(view, qtbot):
    dialog = KeymapDialog(view.registry, view.keymap, view)
    qtbot.addWidget(dialog)
    dialog.assign("viewport.invert", "X")
    dialog.assign("viewport.flip_horizontal", "I", replace=True)  # I moves away from invert
    assert "taken from 'Invert grey scale'" in dialog.message.text()
    dialog.accept()
    assert user_keymap_path().exists()

    again = ReadingView()
    qtbot.addWidget(again)
    again.show()
    again.open_stacks([phantom_stack(size=16, slices=3)])
    again.setFocus()
    qtbot.keyClick(again, Qt.Key.Key_X)
    assert again.session.active_viewport.invert
    qtbot.keyClick(again, Qt.Key.Key_I)
    assert again.session.active_viewport.flip_horizontal and again.session.active_viewport.invert


@pytest.mark.shared_data
def test_a_broken_file_is_reported_and_the_rest_still_opens(view, qtbot, shared_dicom, tmp_path):
    for source in sorted((shared_dicom / CT_FOLDER).glob("*.dcm"))[:5]:
        os.symlink(source, tmp_path / source.name)
    (tmp_path / "broken.dcm").write_bytes(b"\0" * 128 + b"DICM" + b"\x02\x00\x10\x00UI\xff\xff")
    view.open_paths([tmp_path])
    qtbot.waitUntil(lambda: bool(view.session.display_sets) and view.session.active_viewport.current_pixels() is not None,
                    timeout=LOAD_TIMEOUT_MS)
    assert len(view.session.active_viewport.stack) == 5
    qtbot.waitUntil(lambda: "broken.dcm" in view.status.text(), timeout=LOAD_TIMEOUT_MS)
    _press(qtbot, view, Qt.Key.Key_Down)
    assert view.session.active_viewport.slice_index == 1


def test_dropping_a_series_from_the_strip_puts_it_in_that_viewport(view, qtbot):
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QDropEvent

    view.open_stacks([phantom_stack(uid=f"s{n}", size=16, slices=3) for n in range(3)])
    qtbot.keyClick(view, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)  # 1x2
    third = view.strip.item(view.strip.count() - 1)  # after the study header, s0, s1, s2
    target = view.viewport_widgets[1]
    mime = view.strip.mimeData([third])  # kept referenced: the event does not own it
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    target.event(drop)  # QApplication.sendEvent delivers drops only during a real drag
    assert view.session.viewports[1].stack.uid == "s2"
    assert view.session.active_index == 1


def test_a_broken_presets_file_is_reported_and_header_windows_still_work(qtbot, monkeypatch, tmp_path):
    from workstation.viewer import window_presets

    broken = tmp_path / "window_presets.json"
    broken.write_text('{"CT": [{"name": "Brain", "center": 40}]}')  # no width
    monkeypatch.setattr(window_presets, "DEFAULT_PRESETS_PATH", broken)
    reading = ReadingView()
    qtbot.addWidget(reading)
    reading.show()
    reading.open_stacks([phantom_stack(size=16, slices=3)])
    assert str(broken) in reading.status.text()
    reading.setFocus()
    qtbot.keyClick(reading, Qt.Key.Key_1)
    assert reading.session.active_viewport.window.name == "Header"


@pytest.mark.shared_data
def test_a_preview_arriving_after_the_full_stacks_is_dropped(view, qtbot, shared_dicom, monkeypatch):
    """The first-file preview and the header scan run in parallel; a late preview must not replace the stack."""
    import time

    from workstation._qt.reading import stack_loading

    previews, original = [], stack_loading.preview_stack

    def slow_preview(path):
        time.sleep(1.0)  # the header scan of 134 files wins
        stack = original(path)
        previews.append(path)
        return stack

    monkeypatch.setattr(stack_loading, "preview_stack", slow_preview)
    view.open_paths([shared_dicom / CT_FOLDER])
    qtbot.waitUntil(lambda: bool(previews), timeout=LOAD_TIMEOUT_MS)
    qtbot.wait(200)  # the late preview has been delivered to the GUI thread
    assert view.session.display_sets and len(view.session.active_viewport.stack) == 134


def test_opening_an_unknown_study_is_a_message_not_a_crash(qtbot, tmp_path):
    from workstation.archive import Archive

    with Archive(tmp_path / "archive") as archive:
        reading = ReadingView(archive)
        qtbot.addWidget(reading)
        reading.open_study("1.2.3.4.5")
        assert "could not be opened" in reading.status.text()
        reading.open_stacks([phantom_stack(size=16, slices=2)])  # the screen still works
        assert reading.session.active_viewport.stack is not None


def test_ctrl_k_opens_the_keymap_dialog_and_cancel_changes_nothing(view, qtbot):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    seen = []

    def answer_dialog():
        dialog = QApplication.activeModalWidget()
        seen.append(dialog)
        dialog.assign("viewport.invert", "X")
        dialog.reject()

    QTimer.singleShot(200, answer_dialog)
    qtbot.keyClick(view, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert isinstance(seen[0], KeymapDialog)
    assert view.keymap.command_for("X") is None and not user_keymap_path().exists()
