"""Recording from a real (virtual) capture device: frequency, duration, insert at the cursor, no device."""

import time

import pytest

from tests.reporting.virtual_microphone import dominant_frequency
from workstation.reporting.capture import DictationRecorder
from workstation.reporting.dictation import DictationStatus, DictationStore
from workstation.reporting.editing import TakeMode
from workstation.reporting.microphone import AudioDeviceError


def _record_for(recorder, seconds, **start):
    """Record ``seconds`` from the first block on (the sound server's start-up delay is not the recorder's)."""
    recorder.start(**start)
    deadline = time.monotonic() + 5
    while recorder.recorded_frames == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    began = time.monotonic()
    peak_level = 0.0
    while time.monotonic() - began < seconds:
        peak_level = max(peak_level, recorder.level)
        time.sleep(0.05)
    dictation = recorder.stop()
    return dictation, time.monotonic() - began, peak_level


def test_records_the_tone_with_its_frequency_and_duration(virtual_microphone):
    store = DictationStore()
    dictation = store.create("A100", "dr.grey")
    recorder = DictationRecorder(store, dictation.dictation_id)
    dictation, elapsed, peak_level = _record_for(recorder, 2.0)
    audio = store.audio(dictation.dictation_id)
    assert recorder.error is None
    assert dictation.status is DictationStatus.PENDING_TRANSCRIPTION
    assert elapsed - 0.3 <= dictation.duration_seconds <= elapsed + 0.3
    steady = audio[len(audio) // 2 - 8000: len(audio) // 2 + 8000]
    assert abs(dominant_frequency(steady) - virtual_microphone.frequency) < 3
    assert 0.15 < peak_level < 0.35  # the tone's amplitude is 8000 of 32768


def test_insert_take_lands_at_the_cursor(virtual_microphone):
    store = DictationStore()
    dictation = store.create("A101", "dr.grey")
    recorder = DictationRecorder(store, dictation.dictation_id)
    first, _, _ = _record_for(recorder, 1.0)
    virtual_microphone.stop_feeding()  # silence from now on
    time.sleep(0.3)
    second, _, _ = _record_for(recorder, 0.8, mode=TakeMode.INSERT, position=4000)
    audio = store.audio(dictation.dictation_id)
    inserted = second.frames - first.frames
    assert inserted > 8000
    assert abs(audio[4000:4000 + inserted]).max() < 50  # the silent take sits at the cursor
    assert abs(audio[4000 + inserted:]).max() > 4000  # the tone that followed the cursor moved behind it
    assert abs(audio[:4000]).max() > 4000


def test_no_input_device_is_a_clear_message_and_keeps_the_dictation():
    store = DictationStore()
    dictation = store.create("A102", "dr.grey")
    recorder = DictationRecorder(store, dictation.dictation_id, device="no such microphone")
    with pytest.raises(AudioDeviceError, match="microphone"):
        recorder.start()
    assert store.unfinished() == []
    assert store.get(dictation.dictation_id).frames == 0


def test_microphone_vanishing_mid_recording_keeps_what_was_recorded(virtual_microphone):
    store = DictationStore()
    dictation = store.create("A103", "dr.grey")
    recorder = DictationRecorder(store, dictation.dictation_id)
    recorder.start()
    deadline = time.monotonic() + 10
    while recorder.recorded_frames < 16000 and time.monotonic() < deadline:
        time.sleep(0.02)
    virtual_microphone._server.kill()  # the sound server (as a USB microphone unplugged) is gone
    deadline = time.monotonic() + 10
    while recorder.error is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "Recording stopped" in recorder.error and "are kept" in recorder.error
    assert not recorder.recording
    dictation = recorder.stop()
    assert dictation.frames >= 16000 and store.unfinished() == []
    assert abs(dominant_frequency(store.audio(dictation.dictation_id)[:16000]) - 440) < 3
