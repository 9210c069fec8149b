"""Playing a dictation back: the cursor (where insert/overwrite/play start) and the output stream.

``PlaybackCursor`` is plain arithmetic (rewind, fast-forward, jump) so it is testable without a sound
card; ``DictationPlayer`` plays from the cursor with sounddevice and moves the cursor as it plays.
"""

from __future__ import annotations

import logging
import threading

import numpy as np

from workstation.reporting.microphone import AudioDeviceError, _sounddevice

log = logging.getLogger(__name__)


class PlaybackCursor:
    def __init__(self, frames: int = 0, sample_rate: int = 16000) -> None:
        self.frames, self.sample_rate, self.position = frames, sample_rate, 0

    def set_length(self, frames: int) -> None:
        self.frames = frames
        self.position = min(self.position, frames)

    def seek(self, position: int) -> int:
        self.position = max(0, min(int(position), self.frames))
        return self.position

    def skip(self, seconds: float) -> int:
        """Fast-forward (positive) or rewind (negative) by ``seconds``."""
        return self.seek(self.position + round(seconds * self.sample_rate))

    def to_start(self) -> int:
        return self.seek(0)

    def to_end(self) -> int:
        return self.seek(self.frames)

    @property
    def seconds(self) -> float:
        return self.position / self.sample_rate


class DictationPlayer:
    """Plays samples from the cursor; ``pause`` leaves the cursor where playing stopped."""

    def __init__(self, cursor: PlaybackCursor, device: int | str | None = None) -> None:
        self.cursor, self.device = cursor, device
        self._samples = np.zeros(0, dtype=np.int16)
        self._stream = None
        self._lock = threading.Lock()

    @property
    def playing(self) -> bool:
        return self._stream is not None and self._stream.active

    def load(self, samples: np.ndarray) -> None:
        self.pause()
        self._samples = samples
        self.cursor.set_length(len(samples))

    def play(self) -> None:
        if self.playing or self.cursor.position >= len(self._samples):
            return
        sounddevice = _sounddevice()
        try:
            self._stream = sounddevice.OutputStream(samplerate=self.cursor.sample_rate, channels=1, dtype="int16",
                                                    device=self.device, latency="low", callback=self._fill)
            self._stream.start()
        except (ValueError, sounddevice.PortAudioError) as error:
            self._stream = None
            log.error("playback device: %s", error)
            raise AudioDeviceError(f"Cannot play the dictation: no usable loudspeaker or headset ({error}).") from error

    def pause(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.stop()
            stream.close()

    def _fill(self, outdata, frames, time_info, status) -> None:
        with self._lock:
            start = self.cursor.position
            chunk = self._samples[start:start + frames]
            outdata[:len(chunk), 0] = chunk
            outdata[len(chunk):, 0] = 0
            self.cursor.position = start + len(chunk)
        if len(chunk) < frames:
            raise _sounddevice().CallbackStop
