"""The dictation microphone: is there one, and does it deliver sound."""

from __future__ import annotations

import logging

import numpy as np

from workstation.core.errors import WorkstationError

log = logging.getLogger(__name__)


class AudioDeviceError(WorkstationError):
    """No usable input device, or it failed while recording."""


def _sounddevice():
    try:
        import sounddevice
    except OSError as error:  # PortAudio library missing
        raise AudioDeviceError(f"audio is unavailable: the PortAudio library cannot be loaded ({error})") from error
    return sounddevice


def input_device_available(device: int | str | None = None) -> bool:
    """Whether ``device`` (default: the system's input) can be used, looking again for newly plugged devices.

    PortAudio only knows the devices present when it was initialised; a dictation microphone plugged in (or
    a sound server started) later appears only after re-initialising it, which is done here when the
    device is not found and no stream is open.
    """
    sounddevice = _sounddevice()
    for attempt in range(2):
        try:
            sounddevice.query_devices(device, kind="input")
            return True
        except (ValueError, sounddevice.PortAudioError) as error:
            log.info("input device %r not found: %s", device, error)
        if attempt == 0:
            sounddevice._terminate()
            sounddevice._initialize()
    return False


def default_input_device_name() -> str | None:
    """Name of the default capture device, or None when the station has none."""
    sounddevice = _sounddevice()
    try:
        device = sounddevice.query_devices(kind="input")
    except (ValueError, sounddevice.PortAudioError) as error:
        log.info("no default input device: %s", error)
        return None
    return str(device["name"])


def record_seconds(seconds: float, samplerate: int = 16000) -> np.ndarray:
    """Record mono int16 samples from the default input device (blocking)."""
    sounddevice = _sounddevice()
    try:
        samples = sounddevice.rec(int(seconds * samplerate), samplerate=samplerate, channels=1, dtype="int16")
        sounddevice.wait()
    except (ValueError, sounddevice.PortAudioError) as error:
        raise AudioDeviceError(f"recording from the microphone failed: {error}") from error
    return samples[:, 0]
