"""The dictation buttons and pedals as one model: record (toggle or push-to-talk), play, wind, insert/overwrite,
mark and delete a span. The GUI binds keys (foot pedals send keys) to these commands and shows the state.

A new take is appended when the cursor is at the end, else inserted or overwrites at the cursor, as chosen.
"""

from __future__ import annotations

import logging

from workstation.reporting.capture import DictationRecorder
from workstation.reporting.dictation import Dictation, DictationStore
from workstation.reporting.editing import TakeMode
from workstation.reporting.playback import DictationPlayer, PlaybackCursor

log = logging.getLogger(__name__)

WIND_SECONDS = 3.0

COMMANDS = {
    "dictation.record_toggle": "Record / stop",
    "dictation.push_to_talk": "Record while held",
    "dictation.play_pause": "Play / pause",
    "dictation.rewind": "Rewind 3 s",
    "dictation.fast_forward": "Fast-forward 3 s",
    "dictation.to_start": "Jump to start",
    "dictation.to_end": "Jump to end",
    "dictation.toggle_insert_overwrite": "Insert / overwrite",
    "dictation.mark_span": "Mark span start",
    "dictation.delete_span": "Delete marked span",
}


class DictationControls:
    def __init__(self, store: DictationStore, dictation: Dictation, device: int | str | None = None,
                 output_device: int | str | None = None) -> None:
        self.store = store
        self.dictation = dictation
        self.overwrite = False
        self.mark: int | None = None
        self.cursor = PlaybackCursor(dictation.frames, dictation.sample_rate)
        self.cursor.to_end()
        self.recorder = DictationRecorder(store, dictation.dictation_id, device=device)
        self.player = DictationPlayer(self.cursor, device=output_device)
        self.player.load(store.audio(dictation.dictation_id))
        self.cursor.to_end()
        self._take_start = 0

    @property
    def recording(self) -> bool:
        return self.recorder.recording

    @property
    def level(self) -> float:
        return self.recorder.level if self.recording else 0.0

    @property
    def take_mode(self) -> TakeMode:
        if self.cursor.position >= self.cursor.frames:
            return TakeMode.APPEND
        return TakeMode.OVERWRITE if self.overwrite else TakeMode.INSERT

    def describe(self) -> str:
        """One status line: mode, position and length, and a recording failure if there was one."""
        state = "recording" if self.recording else "playing" if self.player.playing else "stopped"
        mode = "overwrite" if self.overwrite else "insert"
        text = (f"{state} | {mode} | {self.cursor.seconds:5.1f} s of "
                f"{self.cursor.frames / self.cursor.sample_rate:5.1f} s")
        return f"{text} | {self.recorder.error}" if self.recorder.error else text

    # recording ---------------------------------------------------------------------------------------
    def start_recording(self) -> None:
        if self.recording:
            return
        self.player.pause()
        self._take_start = self.cursor.position
        self.recorder.start(self.take_mode, self.cursor.position)

    def stop_recording(self) -> Dictation:
        if not self.recording and self.recorder.error is None:
            return self.dictation
        self.dictation = self.recorder.stop()
        self.player.load(self.store.audio(self.dictation.dictation_id))
        self.cursor.seek(self._take_start + self.recorder.recorded_frames)  # just after the new take
        return self.dictation

    def record_toggle(self) -> None:
        if self.recording:
            self.stop_recording()
        else:
            self.start_recording()

    # playback and winding ----------------------------------------------------------------------------
    def play_pause(self) -> None:
        if self.recording:
            self.stop_recording()
        if self.player.playing:
            self.player.pause()
        else:
            if self.cursor.position >= self.cursor.frames:
                self.cursor.to_start()
            self.player.play()

    def rewind(self) -> None:
        self.cursor.skip(-WIND_SECONDS)

    def fast_forward(self) -> None:
        self.cursor.skip(WIND_SECONDS)

    def to_start(self) -> None:
        self.cursor.to_start()

    def to_end(self) -> None:
        self.cursor.to_end()

    def toggle_insert_overwrite(self) -> None:
        self.overwrite = not self.overwrite

    # editing -----------------------------------------------------------------------------------------
    def mark_span(self) -> None:
        self.mark = self.cursor.position

    def delete_span(self) -> bool:
        """Delete between the mark and the cursor; False when no span is marked."""
        if self.mark is None or self.mark == self.cursor.position or self.recording:
            return False
        start, end = sorted((self.mark, self.cursor.position))
        self.player.pause()
        self.dictation = self.store.delete_span(self.dictation.dictation_id, start, end)
        self.player.load(self.store.audio(self.dictation.dictation_id))
        self.cursor.seek(start)
        self.mark = None
        return True

    def close(self) -> Dictation:
        self.player.pause()
        return self.stop_recording()
