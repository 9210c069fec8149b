"""The loopback Orthanc controller leaves nothing running behind it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from workstation.net.orthanc_server import OrthancServer


def orthanc_processes_using(folder: Path) -> list[str]:
    listing = subprocess.run(["pgrep", "-af", "Orthanc"], capture_output=True, text=True).stdout
    return [line for line in listing.splitlines() if str(folder) in line]


@pytest.mark.timeout(60)
def test_starting_an_already_started_server_runs_one_process_that_stop_ends(tmp_path: Path):
    folder = tmp_path / "orthanc"
    with OrthancServer(folder=folder).start() as orthanc:  # start(), then __enter__ starts again
        assert len(orthanc_processes_using(folder)) == 1
    assert orthanc_processes_using(folder) == []
