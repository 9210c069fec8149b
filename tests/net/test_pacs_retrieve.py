"""Retrieve the real CT (134 slices) from a real Orthanc by C-GET, C-MOVE and WADO-RS into the archive."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pydicom
import pytest

from tests.archive.factories import assert_index_and_files_agree, kill_command_when
from workstation.archive import Archive
from workstation.core.stored_file import dcmread_stored
from workstation.net import dimse_retrieve
from workstation.net import retrieve as retrieve_module
from workstation.net.errors import PacsError
from workstation.net.job_queue import JobState, RetrieveQueues
from workstation.net.middle_slice import middle_instance
from workstation.net.retrieve import retrieve
from workstation.net.storage_scp import StorageSCP
from workstation.net.transfer import Transfer

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def archive(tmp_path):
    with Archive(tmp_path / "archive") as opened:
        yield opened


@pytest.fixture(scope="module")
def ct(ct_files):
    headers = [pydicom.dcmread(path, stop_before_pixels=True) for path in ct_files]
    return {
        "study": headers[0].StudyInstanceUID,
        "series": headers[0].SeriesInstanceUID,
        "uids": {header.SOPInstanceUID: path for header, path in zip(headers, ct_files)},
        "middle": next(header.SOPInstanceUID for header in headers if header.InstanceNumber == 134 // 2 + 1),
    }


def assert_complete(archive, ct):
    assert archive.instance_uids(ct["study"]) == set(ct["uids"])
    paths = archive.instance_paths(ct["series"])
    assert len(paths) == len(ct["uids"])
    sample = dcmread_stored(paths[len(paths) // 2])  # decrypted when the test runs with an encrypted cache
    original = pydicom.dcmread(ct["uids"][sample.SOPInstanceUID])
    assert np.array_equal(sample.pixel_array, original.pixel_array)


@pytest.mark.parametrize("method", ["get", "move", "web"])
def test_retrieve_whole_ct_study(pacs, local, archive, ct, method):
    seen = []
    report = retrieve(pacs.node(method=method), local, archive, ct["study"], progress=seen.append)
    assert report.total_instances == report.received_instances == 134
    assert report.already_present == 0
    assert report.first_instance_seconds is not None and report.first_instance_seconds <= report.elapsed_seconds
    assert seen[-1].received_instances == 134 and seen[-1].received_bytes == report.received_bytes
    assert [snapshot.received_instances for snapshot in seen] == sorted(snapshot.received_instances for snapshot in seen)
    assert_complete(archive, ct)


@pytest.mark.parametrize("method", ["get", "move", "web"])
def test_middle_slice_is_looked_up_without_listing_the_study(pacs, local, ct, method):
    instance = middle_instance(pacs.node(method=method), local, ct["study"])
    assert instance is not None
    assert (instance.sop_instance_uid, instance.series_instance_uid, instance.study_instance_uid) == (
        ct["middle"], ct["series"], ct["study"])


@pytest.mark.parametrize("method", ["get", "move", "web"])
def test_first_whole_study_retrieve_fetches_the_middle_slice_on_its_own(pacs, local, archive, ct, method, monkeypatch):
    """The middle slice comes by a request of its own (C-GET/C-MOVE: an image-level identifier sent before the
    study-level one; WADO-RS: a single-instance request beside the stream), and the study's second copy of it
    is dropped unwritten."""
    sent = []
    for name in ("c_get", "c_move"):
        original = getattr(dimse_retrieve, name)

        def spy(node, local_node, identifiers, *rest, original=original):
            sent.extend((item.QueryRetrieveLevel, item.get("SOPInstanceUID", "")) for item in identifiers)
            return original(node, local_node, identifiers, *rest)

        monkeypatch.setattr(dimse_retrieve, name, spy)
    transfer = Transfer(archive)
    report = retrieve(pacs.node(method=method), local, archive, ct["study"], transfer=transfer)
    assert transfer.middle_instance_uid == report.middle_sop_instance_uid == ct["middle"]
    assert report.middle_instance_seconds is not None and report.middle_instance_seconds <= report.elapsed_seconds
    assert report.received_instances == 134 and transfer.duplicates == 1
    if method != "web":
        assert sent == [("IMAGE", ct["middle"]), ("STUDY", "")]
    assert_complete(archive, ct)
    assert_index_and_files_agree(archive)


@pytest.mark.parametrize("method", ["get", "move", "web"])
def test_resume_fetches_only_what_is_missing(pacs, local, archive, ct, method):
    already = sorted(ct["uids"].values())[::3]
    assert archive.import_paths(already).imported == len(already)
    before = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in archive.instance_paths(ct["series"])}
    report = retrieve(pacs.node(method=method), local, archive, ct["study"], ct["series"])
    assert report.already_present == len(already)
    assert report.received_instances == 134 - len(already)
    assert_complete(archive, ct)
    after = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in archive.instance_paths(ct["series"])}
    assert all(after[name] == digest for name, digest in before.items())
    again = retrieve(pacs.node(method=method), local, archive, ct["study"])
    assert again.received_instances == 0 and again.already_present == 134


def test_c_move_into_the_running_storage_scp(pacs, local, archive, prior_files):
    first = pydicom.dcmread(prior_files[0], stop_before_pixels=True)
    with StorageSCP(archive, local) as scp:
        report = retrieve(pacs.node(method="move"), local, archive, first.StudyInstanceUID, storage_scp=scp)
        assert scp.received_unexpected == 0
    assert report.received_instances == report.total_instances == 3
    assert archive.has_instance(first.SOPInstanceUID)


@pytest.mark.parametrize("method", ["get", "move", "web"])
def test_cancel_keeps_what_arrived_and_resume_completes(pacs, local, archive, ct, method):
    queues = RetrieveQueues(local, archive)
    try:
        def cancel_after_20(job):
            progress = job.progress
            if progress is not None and progress.received_instances >= 20:
                job.cancel()

        job = queues.submit(pacs.node(method=method), ct["study"], listener=cancel_after_20)
        assert job.wait(60)
        assert job.state is JobState.CANCELLED, job.error
        assert "cancelled" in job.error
    finally:
        queues.stop()
    kept = archive.instance_uids(ct["study"])
    assert len(kept) >= 20
    assert all(len(dcmread_stored(path).PixelData) == 512 * 512 * 2 for path in archive.instance_paths(ct["series"]))
    report = retrieve(pacs.node(method=method), local, archive, ct["study"])
    # a C-STORE the PACS had under way on the C-MOVE's other association may still land after the cancel (kept,
    # filed a moment later): the resume counts it as present, and fetches only the rest
    assert report.already_present >= len(kept) and report.already_present + report.received_instances == 134
    assert report.already_present <= len(kept) + (1 if method == "move" else 0)
    assert_complete(archive, ct)


def test_kill_mid_retrieve_then_open_and_resume_holds_each_instance_once_and_whole(pacs, local, ct, workstation_home):
    """SIGKILL while ``workstation retrieve`` streams the study (retrieved files are flushed after filing):
    the next opening checks what was filed but not yet flushed, and a resume completes the study."""
    folder = workstation_home / "archive"
    kill_command_when(workstation_home, ["retrieve", "--pacs", pacs.dicomweb_url, "--study", ct["study"], "--method", "web"],
                      lambda: (folder / "files").is_dir() and any(path.is_file() for path in (folder / "files").rglob("*.dcm")))

    with Archive(folder) as archive:
        assert_index_and_files_agree(archive)
        kept = archive.instance_uids(ct["study"])
        assert kept < set(ct["uids"])
        for path in archive.instance_paths(ct["series"]):
            assert len(dcmread_stored(path).PixelData) == 512 * 512 * 2
        report = retrieve(pacs.node(method="web"), local, archive, ct["study"])
        assert report.already_present == len(kept) and report.received_instances == 134 - len(kept)
        assert_complete(archive, ct)
        assert_index_and_files_agree(archive)


@pytest.mark.parametrize("method", ["get", "web"])
def test_a_failed_middle_slice_lookup_or_fetch_only_costs_the_head_start(pacs, local, archive, ct, method, monkeypatch,
                                                                          caplog):
    if method == "web":
        def refuse(*_args):
            raise PacsError("The DICOMweb server refused an instance retrieve (HTTP 503 Service Unavailable).")

        monkeypatch.setattr(retrieve_module, "fetch_instance", refuse)
    else:
        monkeypatch.setattr(retrieve_module, "middle_instance", lambda *_args: None)
    transfer = Transfer(archive)
    report = retrieve(pacs.node(method=method), local, archive, ct["study"], transfer=transfer)
    assert report.received_instances == 134 and transfer.duplicates == 0
    assert_complete(archive, ct)
    if method == "web":  # named, so its time counts when the study transfer brings it
        assert "middle slice of" in caplog.text and report.middle_instance_seconds is not None
    else:
        assert transfer.middle_instance_uid == "" and report.middle_instance_seconds is None


def test_a_dicomweb_retrieve_command_starts_without_pydicom_pynetdicom_or_ldap3(pacs, ct, workstation_home):
    """Their imports took ~0.3 s of a 0.9 s command: a whole-study WADO-RS retrieve needs none of them, nor
    does retrieving it again (the instances listed to find what is missing) or retrieving one series."""
    def retrieve_command(*extra: str) -> str:
        probe = ("import sys; from workstation.cli import main; "
                 f"code = main(['retrieve', '--pacs', {pacs.dicomweb_url!r}, '--study', {ct['study']!r}, '--method', 'web', "
                 f"*{list(extra)!r}]); "
                 "print(code, sorted(m for m in ('pydicom', 'pynetdicom', 'ldap3', 'numpy') if m in sys.modules))")
        result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                                env={**os.environ, "WORKSTATION_HOME": str(workstation_home)})
        assert result.stdout.strip().splitlines()[-1] == "0 []", result.stdout + result.stderr
        return result.stdout

    assert "134 instances retrieved" in retrieve_command()
    assert "134 already in the archive" in retrieve_command()
    assert "134 already in the archive" in retrieve_command("--series", ct["series"])
