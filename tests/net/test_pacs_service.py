"""The app's PACS service: storage SCP for C-MOVE, open a study with priors, send through the outbox."""

from __future__ import annotations

import io
import time

import pydicom
import requests
from pydicom.uid import generate_uid

from workstation.archive import Archive
from workstation.net.job_queue import JobState
from workstation.net.outbox import Outbox
from workstation.net.service import PacsService
from workstation.settings.pacs_nodes import PacsSettings


def test_open_study_fetches_current_then_priors_by_c_move(pacs, local, tmp_path, prior_files):
    header = pydicom.dcmread(prior_files[0], stop_before_pixels=True)
    settings = PacsSettings(local=local, nodes=(pacs.node(method="move"),))
    states: list[tuple[str, JobState]] = []
    with Archive(tmp_path / "archive") as archive, PacsService(archive, settings, Outbox(tmp_path / "outbox")) as service:
        assert service.storage_scp is not None and service.storage_problem == ""
        job = service.open_study("orthanc", header.StudyInstanceUID, priors=1,
                                 listener=lambda job: states.append((job.study_instance_uid, job.state)))
        assert job.wait(30) and job.state is JobState.DONE, job.error
        deadline = time.monotonic() + 30
        while sum(state is JobState.DONE for _uid, state in states) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        studies = archive.studies()
        assert len(studies) == 2 and all(study.patient_id == header.PatientID for study in studies)
        assert all(study.instance_count == 3 for study in studies)
    done = [uid for uid, state in states if state is JobState.DONE]
    assert done[0] == header.StudyInstanceUID and len(done) == 2


def new_instance(path) -> bytes:
    """A copy of a real CT slice in a new study, so the PACS does not hold it yet and the shared CT study keeps
    its 134 slices for the other tests, whatever their order."""
    dataset = pydicom.dcmread(path)
    dataset.StudyInstanceUID, dataset.SeriesInstanceUID = generate_uid(), generate_uid()
    dataset.SOPInstanceUID = dataset.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def test_send_goes_out_through_the_outbox(pacs, local, tmp_path, ct_files):
    settings = PacsSettings(local=local, nodes=(pacs.node(),))
    with Archive(tmp_path / "archive") as archive, PacsService(archive, settings, Outbox(tmp_path / "outbox"),
                                                               outbox_interval=0.1) as service:
        item = service.send("orthanc", new_instance(ct_files[5]))
        deadline = time.monotonic() + 20
        while service.outbox.unsent() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert service.outbox.unsent() == []
    found = requests.post(f"{pacs.base_url}/tools/find", timeout=10,
                          json={"Level": "Instance", "Query": {"SOPInstanceUID": item.sop_instance_uid}}).json()
    assert len(found) == 1


def test_busy_storage_port_disables_only_c_move(pacs, local, tmp_path):
    with Archive(tmp_path / "archive") as archive:
        with PacsService(archive, PacsSettings(local=local), Outbox(tmp_path / "o1")) as first:
            assert first.storage_problem == ""
            with PacsService(archive, PacsSettings(local=local), Outbox(tmp_path / "o2")) as second:
                assert second.storage_scp is None
                assert f"port {local.storage_port} is in use" in second.storage_problem
