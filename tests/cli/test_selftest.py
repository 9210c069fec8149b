"""`workstation --selftest`: one line per check, a failing check fails the run, a real microphone is used."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from workstation.cli import main
from workstation.cli import selftest_cmd


def virtual_microphone_home(folder: Path, seconds: float = 3.0, rate: int = 16000) -> Path:
    """A HOME whose ALSA default capture device plays a 440 Hz tone (ENVIRONMENT.md's virtual microphone)."""
    time = np.arange(int(seconds * rate)) / rate
    tone = folder / "tone_s16le_16k.raw"
    tone.write_bytes((np.sin(2 * np.pi * 440 * time) * 12000).astype("<i2").tobytes())
    (folder / ".asoundrc").write_text(
        'pcm.!default { type asym; playback.pcm "null"; capture.pcm "vmic" }\n'
        'pcm.vmic { type plug; slave.pcm { type file; slave.pcm "null"; file "/dev/null";\n'
        f'           infile "{tone}"; format "raw" }} }}\n'
    )
    return folder


def test_every_check_passes_on_this_station_with_a_microphone(tmp_path: Path, workstation_home: Path):
    environment = {**os.environ, "HOME": str(virtual_microphone_home(tmp_path)),
                   "WORKSTATION_HOME": str(workstation_home)}
    result = subprocess.run([sys.executable, "-m", "workstation", "--selftest"], env=environment,
                            capture_output=True, text=True, timeout=120)
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stdout + result.stderr
    assert [line.split(" ", 1)[0] for line in lines[:-1]] == ["PASS"] * len(selftest_cmd.CHECKS)
    assert lines[-1] == f"selftest: {len(selftest_cmd.CHECKS)} passed, 0 failed, 0 skipped"
    assert "Traceback" not in result.stderr


def test_a_failing_check_is_reported_the_others_still_run_and_the_run_fails(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    def broken_decoder() -> str:
        raise AssertionError("ct_jpegls_lossless.dcm decodes to different pixels")

    monkeypatch.setattr(selftest_cmd, "CHECKS", (
        ("decode", broken_decoder),
        ("decode JPEG 2000 and JPEG-LS", selftest_cmd.check_compressed_decoding),
    ))
    assert main(["selftest"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "FAIL decode: ct_jpegls_lossless.dcm decodes to different pixels",
        "PASS decode JPEG 2000 and JPEG-LS: decoded ct_jpeg2000_lossless.dcm, ct_jpegls_lossless.dcm",
        "selftest: 1 passed, 1 failed, 0 skipped",
    ]
