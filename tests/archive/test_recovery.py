"""Crash safety: what a kill leaves behind is cleaned at the next opening, and index and files always agree."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.archive.factories import assert_index_and_files_agree, instance_bytes, kill_command_when, stored_files
from workstation.archive import Archive
from workstation.archive.archive import BATCH_FILES

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_opening_removes_temporaries_unindexed_files_and_rows_without_file(tmp_path):
    folder = tmp_path / "archive"
    with Archive(folder) as archive:
        kept = archive.store_part10(instance_bytes(sop_instance_uid="1.2.3.1"))
        vanished = archive.store_part10(instance_bytes(sop_instance_uid="1.2.3.2"))
    (folder / "incoming" / "0123.part").write_bytes(b"half a file")
    orphan = folder / "files" / "ab" / "cdef" / "orphan.dcm"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(instance_bytes(sop_instance_uid="1.2.3.3"))
    vanished.path.unlink()

    with Archive(folder) as archive:
        assert not any((folder / "incoming").iterdir())
        assert not orphan.exists() and not orphan.parent.exists()
        assert archive.has_instance("1.2.3.1") and not archive.has_instance("1.2.3.2")
        assert stored_files(folder) == {kept.path}
        assert_index_and_files_agree(archive)


def test_no_recovery_while_another_archive_holds_the_folder(tmp_path):
    folder = tmp_path / "archive"
    first = Archive(folder)
    in_flight = folder / "incoming" / "writing.part"  # another process's file being written right now
    in_flight.write_bytes(b"partial")

    second = Archive(folder)
    assert in_flight.exists()
    second.close()
    first.close()

    Archive(folder).close()
    assert not in_flight.exists()


@pytest.mark.shared_data
@pytest.mark.parametrize("files_before_kill", [1, 150], ids=["first-batch", "after-committed-batches"])
def test_kill_during_import_leaves_index_and_files_in_agreement(shared_dicom, workstation_home, files_before_kill):
    sources = [
        shared_dicom / "ct_volume",
        shared_dicom / "mr_volume",
        shared_dicom / "priors_ct",
    ]
    folder = workstation_home / "archive"
    kill_command_when(workstation_home, ["import", *map(str, sources)],
                      lambda: (folder / "files").is_dir() and len(stored_files(folder)) >= files_before_kill, poll=0.002)

    with Archive(folder) as archive:
        assert_index_and_files_agree(archive)
        indexed_before = sum(study.instance_count for study in archive.studies())
        if files_before_kill > BATCH_FILES:  # files are renamed into place batch by batch, then indexed
            assert indexed_before >= BATCH_FILES
        for study in archive.studies():
            for series in archive.series(study.study_instance_uid):
                for path in archive.instance_paths(series.series_instance_uid):
                    assert path.read_bytes()[128:132] == b"DICM"

        report = archive.import_paths(sources)

        assert report.problems == []
        assert report.duplicates == indexed_before
        total = report.imported + report.duplicates
        assert total == 134 + 192 + 30
        assert sum(study.instance_count for study in archive.studies()) == total
        assert_index_and_files_agree(archive)


STORING_CHILD = """
import sys, threading
from pathlib import Path
from tests.archive.factories import instance_bytes
from workstation.archive import Archive

archive = Archive(Path(sys.argv[1]))
lock = threading.Lock()

def receive(thread_number):
    for number in range(thread_number, 100000, 8):
        uid = f"1.2.826.0.1.3680043.8.498.77.{number}"
        if archive.store_part10(instance_bytes(sop_instance_uid=uid, instance_number=number, pixels=128)).stored:
            with lock:  # acknowledged: what a storage SCP would now answer "success" for
                print(uid, flush=True)

threads = [threading.Thread(target=receive, args=(number,)) for number in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
"""


def test_kill_during_concurrent_network_stores_keeps_every_acknowledged_instance(tmp_path):
    """Eight threads filing received instances through group commits, killed mid-batch: every instance
    store_part10 reported stored is still there, whole, and index and files agree."""
    folder = tmp_path / "archive"
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    process = subprocess.Popen([sys.executable, "-c", STORING_CHILD, str(folder)], env=environment,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    acknowledged: list[str] = []
    deadline = time.monotonic() + 60
    while len(acknowledged) < 150 and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        acknowledged.append(line.strip())
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL, "the child ended before it could be killed"
    acknowledged += [line.strip() for line in process.stdout.read().splitlines()]  # printed before the kill
    assert len(acknowledged) >= 150

    with Archive(folder) as archive:
        assert_index_and_files_agree(archive)
        held = archive.instance_uids("1.2.826.0.1.3680043.8.498.1")
        assert set(acknowledged) <= held
        for series in archive.series("1.2.826.0.1.3680043.8.498.1"):
            for path in archive.instance_paths(series.series_instance_uid):
                assert len(path.read_bytes()) > 128 * 128 * 2 and path.read_bytes()[128:132] == b"DICM"
