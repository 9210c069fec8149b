"""Dictation edits on mono sample arrays: a new take appended, inserted or overwriting at the cursor; a span deleted.

Pure numpy, so the sample layout of every edit can be checked exactly; the store applies them to the audio on disk.
"""

from __future__ import annotations

from enum import Enum

import numpy as np


class TakeMode(str, Enum):
    """How a new take joins the audio already dictated."""

    APPEND = "append"
    INSERT = "insert"
    OVERWRITE = "overwrite"


def apply_take(audio: np.ndarray, take: np.ndarray, mode: TakeMode, position: int) -> np.ndarray:
    """The audio after recording ``take`` at sample ``position`` (clamped to the audio) in ``mode``."""
    position = max(0, min(int(position), len(audio)))
    if mode is TakeMode.APPEND:
        return np.concatenate([audio, take])
    if mode is TakeMode.INSERT:
        return np.concatenate([audio[:position], take, audio[position:]])
    if mode is TakeMode.OVERWRITE:
        return np.concatenate([audio[:position], take, audio[position + len(take):]])
    raise ValueError(f"unknown take mode {mode!r}")


def delete_span(audio: np.ndarray, start: int, end: int) -> np.ndarray:
    """The audio without samples [start, end) (clamped; an empty or reversed span changes nothing)."""
    start, end = max(0, int(start)), min(len(audio), int(end))
    if end <= start:
        return audio
    return np.concatenate([audio[:start], audio[end:]])
