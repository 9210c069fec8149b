"""A CURRENT study pre-empts a running PRIOR (or NEXT exam) prefetch on the same node, against a real Orthanc.

The prior is a synthetic study of many small images, so its transfer is still running when the current
study is submitted; the prior pauses (keeping what arrived), the current study runs, then the prior
resumes and fetches only what is missing.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pydicom
import pytest
from pydicom.uid import generate_uid

from tests.archive.factories import instance_bytes
from tests.net.conftest import start_orthanc
from workstation.archive import Archive
from workstation.core.stored_file import dcmread_stored
from workstation.net.job_queue import JobState, Priority, RetrieveJob, RetrieveQueues
from workstation.net.orthanc_server import OrthancServer

PRIOR_IMAGES = 300
PAUSE_AFTER = 20


@pytest.fixture(scope="module")
def busy_pacs(tmp_path_factory, storage_port, prior_files) -> OrthancServer:
    """An Orthanc holding one large prior (PRIOR_IMAGES small CT images) and a small current study."""
    server = start_orthanc(tmp_path_factory.mktemp("orthanc-preempt"), storage_port)
    try:
        study, series = generate_uid(), generate_uid()
        images = [instance_bytes(study_instance_uid=study, series_instance_uid=series, patient_id="PREEMPT",
                                 study_date="20200101", instance_number=number, pixels=64)
                  for number in range(1, PRIOR_IMAGES + 1)]
        for image in images:
            server.upload_bytes(image)
        server.upload(prior_files[:6])
        server.prior_study, server.first_prior_image = study, images[0]
        yield server
    finally:
        server.stop()


class Recorder:
    """Every job's states as the listener hears them; sets ``prior_running`` once the prior has images."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.states: dict[str, list[JobState]] = {}
        self.done: list[str] = []
        self.prior_running = threading.Event()
        self.received_when_paused: int | None = None

    def __call__(self, job: RetrieveJob) -> None:
        with self.lock:
            states = self.states.setdefault(job.study_instance_uid, [])
            if not states or states[-1] is not job.state:
                states.append(job.state)
                if job.state is JobState.DONE:
                    self.done.append(job.study_instance_uid)
                if job.state is JobState.PAUSED and self.received_when_paused is None:
                    self.received_when_paused = len(job.transfer.archive.instance_uids(job.study_instance_uid))
        progress = job.progress
        if job.priority is not Priority.CURRENT and progress and progress.received_instances >= PAUSE_AFTER:
            self.prior_running.set()


def current_study(prior_files: list[Path]) -> str:
    """A small study of the real prior files (3 images), uploaded to ``busy_pacs``."""
    return str(pydicom.dcmread(prior_files[0], stop_before_pixels=True).StudyInstanceUID)


@pytest.mark.parametrize(("method", "background"), [("get", Priority.PRIOR), ("move", Priority.PRIOR),
                                                     ("web", Priority.PRIOR), ("get", Priority.NEXT)])
def test_current_study_pre_empts_a_running_prior(busy_pacs, local, tmp_path, prior_files, method, background):
    recorder = Recorder()
    current_uid = current_study(prior_files)
    with Archive(tmp_path / "archive") as archive:
        if method == "web":
            # A study not held at all streams in one WADO-RS answer, too fast on loopback to catch midway;
            # with one image already here (an earlier prefetch cut short) it comes image by image.
            archive.store_part10(busy_pacs.first_prior_image)
        queues = RetrieveQueues(local, archive)
        try:
            node = busy_pacs.node(method=method)
            prior = queues.submit(node, busy_pacs.prior_study, priority=background, listener=recorder)
            assert recorder.prior_running.wait(30), prior.error
            current = queues.submit(node, current_uid, listener=recorder)
            assert current.wait(30) and current.state is JobState.DONE, current.error
            assert prior.wait(60) and prior.state is JobState.DONE, prior.error
        finally:
            queues.stop()
        prior_states = recorder.states[busy_pacs.prior_study]
        assert prior_states[:3] == [JobState.QUEUED, JobState.RUNNING, JobState.PAUSED], prior_states
        assert prior_states[-2:] == [JobState.RUNNING, JobState.DONE]
        assert PAUSE_AFTER <= recorder.received_when_paused < PRIOR_IMAGES  # it really stopped midway
        assert recorder.done == [current_uid, busy_pacs.prior_study]
        report = prior.report  # the resumed run: only what the paused one had not fetched
        assert report.already_present >= recorder.received_when_paused
        assert report.already_present + report.received_instances == report.total_instances == PRIOR_IMAGES
        assert len(archive.instance_uids(busy_pacs.prior_study)) == PRIOR_IMAGES
        stored = [path for record in archive.series(busy_pacs.prior_study)
                  for path in archive.instance_paths(record.series_instance_uid)]
        uids = {dcmread_stored(path).SOPInstanceUID for path in stored}
        assert len(stored) == len(uids) == PRIOR_IMAGES  # each instance once, every file readable
        assert len(archive.instance_uids(current_uid)) == 3


def test_a_paused_prior_can_be_cancelled(busy_pacs, local, tmp_path, prior_files):
    recorder = Recorder()

    def cancel_when_paused(job: RetrieveJob) -> None:
        recorder(job)
        if job.state is JobState.PAUSED:
            job.cancel()

    with Archive(tmp_path / "archive") as archive:
        queues = RetrieveQueues(local, archive)
        try:
            node = busy_pacs.node(method="get")
            prior = queues.submit(node, busy_pacs.prior_study, priority=Priority.PRIOR, listener=cancel_when_paused)
            assert recorder.prior_running.wait(30), prior.error
            current = queues.submit(node, current_study(prior_files), listener=recorder)
            assert prior.wait(30) and prior.state is JobState.CANCELLED, prior.error
            assert "paused" in prior.error and "kept" in prior.error
            assert current.wait(30) and current.state is JobState.DONE, current.error
        finally:
            queues.stop()
        kept = len(archive.instance_uids(busy_pacs.prior_study))
        assert PAUSE_AFTER <= kept < PRIOR_IMAGES
        assert recorder.states[busy_pacs.prior_study][-2:] == [JobState.PAUSED, JobState.CANCELLED]


def test_cancel_ends_a_queued_job_at_once_and_stop_cancels_the_running_one(busy_pacs, local, tmp_path):
    recorder = Recorder()
    with Archive(tmp_path / "archive") as archive:
        queues = RetrieveQueues(local, archive)
        try:
            node = busy_pacs.node(method="get")
            running = queues.submit(node, busy_pacs.prior_study, priority=Priority.PRIOR, listener=recorder)
            assert recorder.prior_running.wait(30), running.error
            queued = queues.submit(node, generate_uid(), priority=Priority.PRIOR, listener=recorder)
            assert queued.state is JobState.QUEUED
            queued.cancel()
            assert queued.wait(0) and queued.state is JobState.CANCELLED  # at once, not when the worker gets to it
            assert running.state is JobState.RUNNING
        finally:
            queues.stop()
        assert running.wait(10) and running.state is JobState.CANCELLED
        assert 0 < len(archive.instance_uids(busy_pacs.prior_study)) < PRIOR_IMAGES  # what arrived is kept
