"""Priors: ranking rules on synthetic studies, and finding + prefetching the real priors from Orthanc."""

from __future__ import annotations

import threading

import pydicom
import pytest

from workstation.archive import Archive
from workstation.net.job_queue import JobState, Priority, RetrieveQueues
from workstation.net.priors import find_priors, prefetch_priors, rank_priors
from workstation.net.query_results import RemoteStudy


def study(uid, date, modalities=("CT",), description="CT CHEST", patient="P1", issuer="") -> RemoteStudy:
    return RemoteStudy(uid, patient, issuer, "", "", date, "", "", description, tuple(modalities), None, None)


def test_ranking_prefers_modality_then_region_then_recent_date():
    current = study("now", "20240101", description="CT CHEST")
    ranked = rank_priors(current, [
        current,
        study("mr-chest", "20231201", ("MR",), "MR CHEST"),
        study("ct-head-new", "20231101", description="CT HEAD"),
        study("ct-chest-old", "20200101"),
        study("ct-chest-recent", "20230601"),
        study("ct-chest-after", "20240301"),
        study("other-issuer", "20231231", issuer="HOSP-B"),
        study("other-patient", "20231231", patient="P2"),
    ])
    assert [item.study_instance_uid for item in ranked] == [
        "ct-chest-recent", "ct-chest-old", "ct-chest-after", "ct-head-new", "mr-chest",
    ]


@pytest.fixture(scope="module")
def patient_studies(prior_files):
    """PatientID -> {StudyInstanceUID: StudyDate} of the real prior files."""
    studies: dict[str, dict[str, str]] = {}
    for path in prior_files:
        header = pydicom.dcmread(path, stop_before_pixels=True)
        studies.setdefault(header.PatientID, {})[header.StudyInstanceUID] = header.StudyDate
    return studies


def test_find_priors_returns_the_other_study_of_the_same_patient(pacs, local, patient_studies):
    for method in ("get", "web"):
        for patient_id, studies in list(patient_studies.items())[:2]:
            newest = max(studies, key=studies.get)
            priors = find_priors(pacs.node(method=method), local, newest)
            assert [prior.study_instance_uid for prior in priors] == [uid for uid in studies if uid != newest]
            assert all(prior.patient_id == patient_id for prior in priors)


def test_prefetch_runs_after_the_current_study(pacs, local, tmp_path, patient_studies):
    patient_id, studies = next(iter(patient_studies.items()))
    current = max(studies, key=studies.get)
    finished: list[str] = []
    lock = threading.Lock()

    def listener(job):
        if job.state is JobState.DONE and job.study_instance_uid not in finished:
            with lock:
                finished.append(job.study_instance_uid)

    with Archive(tmp_path / "archive") as archive:
        queues = RetrieveQueues(local, archive)
        try:
            node = pacs.node()
            current_job = queues.submit(node, current, listener=listener)
            prior_jobs = prefetch_priors(queues, node, local, current, count=1, listener=listener)
            assert len(prior_jobs) == 1 and prior_jobs[0].priority is Priority.PRIOR
            assert current_job.wait(30) and prior_jobs[0].wait(30)
            assert current_job.state is JobState.DONE, current_job.error
            assert prior_jobs[0].state is JobState.DONE, prior_jobs[0].error
            assert finished == [current, prior_jobs[0].study_instance_uid]
            assert {item.study_instance_uid for item in archive.studies()} == set(studies)
        finally:
            queues.stop()


def test_current_study_overtakes_queued_priors(pacs, local, tmp_path, patient_studies):
    """A CURRENT job submitted after several PRIOR jobs runs before the ones still queued."""
    all_studies = [uid for studies in patient_studies.values() for uid in studies]
    order: list[str] = []

    def listener(job):
        if job.state is JobState.RUNNING and job.study_instance_uid not in order:
            order.append(job.study_instance_uid)

    with Archive(tmp_path / "archive") as archive:
        queues = RetrieveQueues(local, archive)
        try:
            node = pacs.node()
            gate = threading.Event()
            blocker = queues.submit(node, all_studies[0], priority=Priority.PRIOR,
                                    listener=lambda job: gate.wait(10) if job.state is JobState.RUNNING else None)
            priors = [queues.submit(node, uid, priority=Priority.PRIOR, listener=listener) for uid in all_studies[1:4]]
            current = queues.submit(node, all_studies[4], listener=listener)
            gate.set()
            assert all(job.wait(30) for job in (blocker, *priors, current))
            assert order[0] == all_studies[4]
            assert order[1:] == all_studies[1:4]
        finally:
            queues.stop()
