"""Pluggable speech recognition: an engine turns a dictation's samples into draft report text.

None is shipped (no model can be bundled); an engine registers under a name and the transcription queue
uses the configured one. ``ToneTestEngine`` is the engine the tests use: it "hears" tones, not speech.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from workstation.core.errors import WorkstationError


class SpeechRecognitionError(WorkstationError):
    """The engine could not transcribe; the dictation stays in the queue for a transcriptionist."""


class SpeechRecognizer(Protocol):
    name: str

    def transcribe(self, samples: np.ndarray, sample_rate: int) -> str:
        """Text of the dictated samples (int16 mono); raises SpeechRecognitionError on failure."""


_ENGINES: dict[str, Callable[[], SpeechRecognizer]] = {}


def register_engine(name: str, factory: Callable[[], SpeechRecognizer]) -> None:
    _ENGINES[name] = factory


def engine_names() -> list[str]:
    return sorted(_ENGINES)


def create_engine(name: str) -> SpeechRecognizer:
    try:
        return _ENGINES[name]()
    except KeyError:
        known = ", ".join(engine_names()) or "none"
        raise SpeechRecognitionError(f"No speech recognition engine named {name!r} (installed: {known}).") from None


class ToneTestEngine:
    """Reports the dominant frequency of each second of sound; silence becomes nothing. For tests only."""

    name = "test-tones"

    def transcribe(self, samples: np.ndarray, sample_rate: int) -> str:
        if len(samples) == 0:
            raise SpeechRecognitionError("The dictation is empty; there is nothing to transcribe.")
        words = []
        for start in range(0, len(samples) - sample_rate // 2 + 1, sample_rate):
            second = samples[start:start + sample_rate].astype(np.float64)
            if np.abs(second).max() < 500:
                continue
            spectrum = np.abs(np.fft.rfft(second * np.hanning(len(second))))
            words.append(f"tone {round(float(np.fft.rfftfreq(len(second), 1 / sample_rate)[spectrum.argmax()]))} Hz")
        return ". ".join(words) + ("." if words else "")


register_engine(ToneTestEngine.name, ToneTestEngine)
