"""DICOM Modality Worklist C-FIND against real servers: Orthanc's worklist plugin and DCMTK wlmscpfs,
with ``.wl`` files made by DCMTK dump2dcm; then the worklist poller on top (banner, recovery, images)."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pydicom
import pytest

from workstation.net.errors import PacsError
from workstation.net.modality_worklist import find_scheduled_steps
from workstation.net.orthanc_server import OrthancServer, free_port
from workstation.settings.pacs_nodes import PacsNode
from workstation.worklist.exam import Exam, Priority, ReadingStatus
from workstation.worklist.sources import MWL_SOURCE, PACS_SOURCE, WorklistPoller
from workstation.worklist.store import WorklistStore

ITEM = """\
(0008,0005) CS [ISO_IR 100]
(0008,0050) SH [{accession}]
(0010,0010) PN [{name}]
(0010,0020) LO [{patient_id}]
(0010,0030) DA [19600102]
(0010,0040) CS [F]
(0020,000d) UI [1.2.826.0.1.3680043.8.498.{number}]
(0032,1060) LO [{procedure}]
(0040,0100) SQ
(fffe,e000) -
(0008,0060) CS [{modality}]
(0040,0001) AE [{station}]
(0040,0002) DA [20250301]
(0040,0003) TM [101500]
(0040,0007) LO [{procedure}]
(0040,0009) SH [SPS{number}]
(fffe,e00d) -
(fffe,e0dd) -
(0040,1001) SH [RP{number}]
(0040,1003) SH [{priority}]
"""


def write_item(folder: Path, number: int, modality: str = "CT", priority: str = "ROUTINE", station: str = "CT1",
               procedure: str = "CT Chest") -> Path:
    """A .wl file made the way a RIS integration does it here: a text dump through DCMTK dump2dcm."""
    folder.mkdir(parents=True, exist_ok=True)
    dump = folder / f"item{number}.dump"
    dump.write_text(ITEM.format(accession=f"MWL{number:03d}", name=f"Mwl^Patient{number}", patient_id=f"MP{number}",
                                number=number, procedure=procedure, modality=modality, station=station,
                                priority=priority))
    target = folder / f"item{number}.wl"
    subprocess.run(["dump2dcm", "-g", str(dump), str(target)], check=True, capture_output=True, timeout=30)
    dump.unlink()
    return target


@pytest.fixture
def orthanc_worklist(pacs: OrthancServer) -> Iterator[tuple[PacsNode, Path]]:
    """The session's Orthanc (real CT loaded) with this test's worklist items in its worklist folder."""
    folder = pacs.folder / "worklists"
    yield pacs.node("mwl"), folder
    for item in folder.glob("*.wl"):
        item.unlink()


@pytest.fixture
def wlmscpfs(tmp_path: Path) -> Iterator[tuple[PacsNode, Path, subprocess.Popen]]:
    """DCMTK's worklist SCP: items in DIR/AETITLE/*.wl next to a lockfile."""
    folder = tmp_path / "wlm" / "WLMSCP"
    folder.mkdir(parents=True)
    (folder / "lockfile").touch()
    port = free_port()
    process = subprocess.Popen(["wlmscpfs", "-dfp", str(folder.parent), str(port)],
                               env=dict(os.environ, TCP_NODELAY="1"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    node = PacsNode(name="dcmtk", aet="WLMSCP", host="127.0.0.1", port=port, connect_timeout=3, network_timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            import socket

            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield node, folder, process
    process.terminate()
    process.wait(10)


def test_orthanc_worklist_plugin_lists_scheduled_steps(orthanc_worklist, local):
    node, folder = orthanc_worklist
    write_item(folder, 1, "CT", "STAT")
    write_item(folder, 2, "MR", "ROUTINE", station="MR1", procedure="MR Head")
    steps = {step.accession_number: step for step in find_scheduled_steps(node, local)}
    assert set(steps) == {"MWL001", "MWL002"}
    assert (steps["MWL001"].patient_name, steps["MWL001"].requested_procedure_priority, steps["MWL001"].modality) == (
        "Mwl^Patient1", "STAT", "CT")
    assert steps["MWL002"].requested_procedure_description == "MR Head"
    assert [step.accession_number for step in find_scheduled_steps(node, local, modality="MR")] == ["MWL002"]


def test_dcmtk_wlmscpfs_lists_scheduled_steps_filtered_by_station(wlmscpfs, local):
    node, folder, _ = wlmscpfs
    write_item(folder, 3, "CT", station="CT1")
    write_item(folder, 4, "CT", station="CT2")
    steps = find_scheduled_steps(node, local, station_aet="CT2")
    assert [step.accession_number for step in steps] == ["MWL004"]
    assert steps[0].start_date == "20250301" and steps[0].study_instance_uid.endswith(".4")


def test_poller_shows_a_banner_while_the_mwl_server_is_away_and_recovers(wlmscpfs, local, tmp_path):
    node, folder, process = wlmscpfs
    write_item(folder, 5, "CT", "STAT")
    with WorklistStore(tmp_path / "worklist.sqlite") as store:
        poller = WorklistPoller(store, local, mwl_node=node)
        poller.poll_once()
        assert poller.problems == {}
        exam = store.exam("MWL005")
        assert (exam.priority, exam.source, exam.status) == (Priority.STAT, "MWL", ReadingStatus.SCHEDULED)

        process.terminate()
        process.wait(10)
        poller.poll_once()
        assert "not running" in poller.problems[MWL_SOURCE]

        restarted = subprocess.Popen(["wlmscpfs", "-dfp", str(folder.parent), str(node.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            write_item(folder, 6)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                poller.poll_once()
                if not poller.problems:
                    break
                time.sleep(0.2)
            assert poller.problems == {}
            assert {exam.accession_number for exam in store.exams()} == {"MWL005", "MWL006"}
        finally:
            restarted.terminate()
            restarted.wait(10)


def test_pacs_poll_marks_images_available_then_complete_and_counts_priors(pacs, local, ct_files, prior_files, tmp_path):
    ct_uid = pydicom.dcmread(ct_files[0], stop_before_pixels=True).StudyInstanceUID
    prior = pydicom.dcmread(prior_files[0], stop_before_pixels=True)
    with WorklistStore(tmp_path / "worklist.sqlite") as store:
        store.upsert_order(Exam("CT1", patient_id="Pancreas-CT-CB_001", study_instance_uid=ct_uid))
        store.upsert_order(Exam("PRIOR1", patient_id=prior.PatientID, study_instance_uid=prior.StudyInstanceUID))
        store.upsert_order(Exam("NOTYET", patient_id="NOBODY", study_instance_uid="1.2.3.999"))
        poller = WorklistPoller(store, local, pacs_node=pacs.node())
        poller.poll_once()
        ct = store.exam("CT1")
        assert (ct.status, ct.image_count, ct.images_complete) == (ReadingStatus.IMAGES_AVAILABLE, 134, False)
        assert store.exam("PRIOR1").prior_count == 1
        assert store.exam("NOTYET").status == ReadingStatus.SCHEDULED
        poller.poll_once()
        assert store.exam("CT1").images_complete
        assert poller.problems == {}


def test_an_unreachable_pacs_is_a_banner_not_a_crash(local, tmp_path):
    with WorklistStore(tmp_path / "worklist.sqlite") as store:
        store.upsert_order(Exam("CT1"))
        gone = PacsNode(name="gone", aet="GONE", host="127.0.0.1", port=free_port(), connect_timeout=1)
        poller = WorklistPoller(store, local, pacs_node=gone)
        poller.poll_once()
        assert "gone" in poller.problems[PACS_SOURCE]


def test_an_unreachable_worklist_server_raises_a_clear_error(local):
    gone = PacsNode(name="ris-mwl", aet="GONE", host="127.0.0.1", port=free_port(), connect_timeout=1)
    with pytest.raises(PacsError, match="ris-mwl"):
        find_scheduled_steps(gone, local)
