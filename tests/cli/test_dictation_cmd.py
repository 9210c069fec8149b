"""`workstation dictation`: record until a signal, survive SIGKILL (recover all but the last second), list, export."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import soundfile

from tests.reporting.virtual_microphone import dominant_frequency, virtual_microphone  # noqa: F401 (fixture)
from workstation.reporting.dictation import DictationStore

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _workstation(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "workstation", *args], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=60, env=os.environ.copy(), **kwargs)


def _start_recording(accession):
    process = subprocess.Popen([sys.executable, "-m", "workstation", "dictation", "record", "--accession", accession,
                                "--author", "dr.kill"], cwd=PROJECT_ROOT, env=os.environ.copy(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    assert line.startswith("recording dictation "), line + process.stderr.read()
    take = DictationStore().folder / line.split()[2] / "take.pcm"
    deadline = time.monotonic() + 10
    while (not take.exists() or take.stat().st_size == 0) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert take.stat().st_size > 0, "no sound reached the disk"
    return process, line.split()[2], time.monotonic()


def test_sigkill_mid_dictation_loses_at_most_the_last_second(virtual_microphone):
    process, dictation_id, first_sound = _start_recording("ACC-KILL")
    time.sleep(2.5)
    process.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    process.wait(10)
    spoken = killed_at - first_sound

    listing = json.loads(_workstation("dictation", "list", "--json").stdout)
    assert [(row["id"], row["status"]) for row in listing] == [(dictation_id, "recording")]

    recovered = _workstation("dictation", "recover")
    assert recovered.returncode == 0 and dictation_id in recovered.stdout
    dictation = DictationStore().get(dictation_id)
    assert spoken - 1.0 <= dictation.duration_seconds <= spoken + 0.2
    audio = DictationStore().audio(dictation_id)
    assert abs(dominant_frequency(audio[8000:24000]) - virtual_microphone.frequency) < 3
    assert "no unfinished dictations" in _workstation("dictation", "recover").stdout


def test_sigint_finishes_the_dictation_and_export_writes_it(virtual_microphone, tmp_path):
    process, dictation_id, first_sound = _start_recording("ACC-INT")
    time.sleep(1.5)
    process.send_signal(signal.SIGINT)
    output, errors = process.communicate(timeout=15)
    assert process.returncode == 0, errors
    listing = _workstation("dictation", "list")
    assert "pending transcription" in listing.stdout and "ACC-INT" in listing.stdout and "dr.kill" in listing.stdout
    transcribed = _workstation("dictation", "transcribe", "--engine", "test-tones")
    assert f"transcribed dictation {dictation_id}" in transcribed.stdout, transcribed.stderr
    assert DictationStore().get(dictation_id).transcript.startswith("tone 440 Hz.")
    exported = _workstation("dictation", "export", dictation_id, str(tmp_path / "dictation.flac"))
    assert exported.returncode == 0, exported.stderr
    samples, rate = soundfile.read(tmp_path / "dictation.flac", dtype="int16")
    assert rate == 16000 and 1.3 <= len(samples) / rate <= 2.5
    assert abs(dominant_frequency(samples[:16000]) - 440) < 3


def test_unknown_dictation_export_is_a_message_not_a_traceback(tmp_path):
    result = _workstation("dictation", "export", "abc123", str(tmp_path / "x.wav"))
    assert result.returncode == 1
    assert "no dictation 'abc123'" in result.stderr and "Traceback" not in result.stderr
    unknown_engine = _workstation("dictation", "transcribe", "--engine", "whisper")
    assert unknown_engine.returncode == 1 and "installed: test-tones" in unknown_engine.stderr


def test_record_without_a_microphone_is_a_message_and_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path}/no-sound-server")
    monkeypatch.setenv("HOME", str(tmp_path))
    result = subprocess.run([sys.executable, "-m", "workstation", "dictation", "record", "--accession", "ACC-NOMIC"],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, env=os.environ.copy())
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "No microphone" in result.stderr and "nothing was recorded" in result.stderr
    assert json.loads(_workstation("dictation", "list", "--json").stdout) == []
