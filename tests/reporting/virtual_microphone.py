"""A real capture device for tests: a private PulseAudio server whose virtual source plays a generated tone.

PortAudio reaches it through ALSA's pulse plugin, exactly as it reaches a USB dictation microphone. (The
ALSA ``file`` plugin alone delivers its file as fast as it is read, not in real time, which makes durations
meaningless.) The tone is fed by ``pacat`` at real-time pace.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from workstation.reporting.microphone import input_device_available

SAMPLE_RATE = 16000


@dataclass
class VirtualMicrophone:
    environment: dict[str, str]
    frequency: float
    _server: subprocess.Popen
    _feeder: subprocess.Popen | None = None
    _listener: subprocess.Popen | None = None

    def stop_feeding(self) -> None:
        if self._feeder is not None and self._feeder.poll() is None:
            self._feeder.terminate()
            self._feeder.wait(5)


def tone(frequency: float, seconds: float, amplitude: int = 8000) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (np.sin(2 * np.pi * frequency * t) * amplitude).astype("<i2")


def dominant_frequency(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64) * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / sample_rate)[int(np.argmax(spectrum))])


def start_virtual_microphone(folder: Path, frequency: float = 440.0, seconds: float = 60.0) -> VirtualMicrophone:
    if shutil.which("pulseaudio") is None or shutil.which("pacat") is None:
        raise RuntimeError("pulseaudio and pulseaudio-utils are needed (scripts/setup.sh installs them)")
    runtime = folder / "run"
    runtime.mkdir(parents=True, exist_ok=True)
    socket = runtime / "native"
    environment = {**os.environ, "HOME": str(folder), "XDG_RUNTIME_DIR": str(runtime),
                   "PULSE_RUNTIME_PATH": str(runtime), "PULSE_SERVER": f"unix:{socket}"}
    server = subprocess.Popen(
        ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit", "--log-target=stderr",
         f"--load=module-native-protocol-unix socket={socket} auth-anonymous=1",
         "--load=module-null-sink sink_name=vsink rate=16000 channels=1",
         "--load=module-virtual-source source_name=vmic master=vsink.monitor",
         "--load=module-always-sink"],
        env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not socket.exists():
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise RuntimeError("the test PulseAudio server did not start")
        time.sleep(0.05)
    subprocess.run(["pactl", "set-default-source", "vmic"], env=environment, check=True, timeout=10)
    raw = folder / "tone.raw"
    tone(frequency, seconds).tofile(raw)
    feeder = subprocess.Popen(["pacat", "--playback", "-d", "vsink", "--format=s16le", "--rate=16000", "--channels=1",
                               "--raw", str(raw)], env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # A capture stream opened while nothing records from the source waits about two seconds for its first
    # block; a listener that stays connected keeps the source running, as a real microphone is.
    listener = subprocess.Popen(["parec", "-d", "vmic", "--raw"], env=environment, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    return VirtualMicrophone(environment=environment, frequency=frequency, _server=server, _feeder=feeder,
                             _listener=listener)



def stop_virtual_microphone(microphone: VirtualMicrophone) -> None:
    microphone.stop_feeding()
    microphone._listener.terminate()
    microphone._listener.wait(5)
    microphone._server.terminate()
    try:
        microphone._server.wait(5)
    except subprocess.TimeoutExpired:
        microphone._server.kill()
        microphone._server.wait(5)


@pytest.fixture
def virtual_microphone(tmp_path_factory, monkeypatch):
    """A running virtual microphone playing a 440 Hz tone; this process and its children record from it."""
    microphone = start_virtual_microphone(tmp_path_factory.mktemp("pulse"))
    for name in ("HOME", "XDG_RUNTIME_DIR", "PULSE_RUNTIME_PATH", "PULSE_SERVER"):
        monkeypatch.setenv(name, microphone.environment[name])
    assert input_device_available()  # PortAudio looks again for devices: the server started after it
    yield microphone
    stop_virtual_microphone(microphone)
