"""The dictation keys as a model: toggle recording, wind, insert/overwrite at the cursor, delete a span, play."""

import time

import numpy as np

from tests.reporting.virtual_microphone import virtual_microphone  # noqa: F401 (fixture)
from workstation.reporting.dictation import DictationStore
from workstation.reporting.dictation_controls import DictationControls
from workstation.reporting.editing import TakeMode
from workstation.reporting.playback import PlaybackCursor


def _wait_for_sound(controls):
    deadline = time.monotonic() + 5
    while controls.recorder.recorded_frames == 0 and time.monotonic() < deadline:
        time.sleep(0.01)


def test_cursor_winds_and_clamps():
    cursor = PlaybackCursor(frames=16000 * 10)
    assert cursor.skip(3) == 48000 and cursor.skip(-5) == 0 and cursor.to_end() == 160000
    assert cursor.skip(1) == 160000
    cursor.set_length(8000)
    assert cursor.position == 8000 and cursor.to_start() == 0


def test_keys_record_wind_overwrite_delete_and_play(virtual_microphone):
    store = DictationStore()
    controls = DictationControls(store, store.create("ACC9", "dr.keys"))
    assert controls.take_mode is TakeMode.APPEND
    controls.record_toggle()
    _wait_for_sound(controls)
    time.sleep(1.5)
    controls.record_toggle()
    length = controls.dictation.frames
    assert length >= 15000 and controls.cursor.position == length
    assert "stopped | insert" in controls.describe()

    controls.to_start()
    controls.toggle_insert_overwrite()
    assert controls.take_mode is TakeMode.OVERWRITE
    virtual_microphone.stop_feeding()
    time.sleep(0.3)
    controls.start_recording()
    _wait_for_sound(controls)
    time.sleep(0.3)
    controls.stop_recording()
    overwritten = controls.recorder.recorded_frames
    audio = store.audio(controls.dictation.dictation_id)
    assert len(audio) == max(length, overwritten)  # overwrite does not lengthen a longer dictation
    assert np.abs(audio[:overwritten]).max() < 50 and np.abs(audio[overwritten:]).max() > 4000
    assert controls.cursor.position == overwritten

    controls.to_start()
    controls.mark_span()
    controls.cursor.seek(overwritten)
    assert controls.delete_span()
    audio = store.audio(controls.dictation.dictation_id)
    assert len(audio) == length - overwritten and np.abs(audio[:1000]).max() > 4000

    controls.to_start()
    controls.play_pause()
    deadline = time.monotonic() + 5
    while controls.cursor.position < 2000 and time.monotonic() < deadline:  # the sound server starts slowly
        time.sleep(0.01)
    started_at = controls.cursor.position
    time.sleep(0.5)
    assert controls.player.playing
    controls.play_pause()
    assert 2000 < controls.cursor.position - started_at < 16000  # about half a second played (loaded CI: slack)
    controls.close()
