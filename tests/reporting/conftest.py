import pytest

from workstation.reporting.microphone import input_device_available
from tests.reporting.virtual_microphone import start_virtual_microphone, stop_virtual_microphone


@pytest.fixture
def virtual_microphone(tmp_path_factory, monkeypatch):
    """A running virtual microphone playing a 440 Hz tone; this process and its children record from it."""
    microphone = start_virtual_microphone(tmp_path_factory.mktemp("pulse"))
    for name in ("HOME", "XDG_RUNTIME_DIR", "PULSE_RUNTIME_PATH", "PULSE_SERVER"):
        monkeypatch.setenv(name, microphone.environment[name])
    assert input_device_available()  # PortAudio looks again for devices: the server started after it
    yield microphone
    stop_virtual_microphone(microphone)
