"""Ctrl+C or SIGTERM closes the workstation like its close button: exit 0, no traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

READY = "window open; Ctrl+C or SIGTERM closes it"


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM])
def test_a_termination_signal_closes_the_window_cleanly(workstation_home: Path, number: int):
    process = subprocess.Popen([sys.executable, "-m", "workstation", "open"], env=dict(os.environ),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    log_file = workstation_home / "logs" / "workstation.log"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (log_file.exists() and READY in log_file.read_text()):
        assert process.poll() is None, process.communicate()
        time.sleep(0.2)
    process.send_signal(number)
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Traceback" not in err
