"""The PACS page while a prior prefetch gives way to the study the radiologist asked for: the prior's row
says "paused" (with why), the current study runs, then the prior finishes."""

from __future__ import annotations

import threading

import pydicom
from PySide6.QtCore import Qt

from tests._qt.pacs.test_pacs_page import WAIT_MS, search, wait_finished
from tests.net.test_job_preemption import PAUSE_AFTER, busy_pacs  # noqa: F401 - fixture
from workstation.net.job_queue import JobState, Priority, RetrieveJob

STATE, MESSAGE = 3, 7  # columns of the jobs table


def test_a_running_prior_pauses_for_the_current_study(qtbot, install_pacs_page, busy_pacs, prior_files):  # noqa: F811
    screen = install_pacs_page(busy_pacs.node(method="get"))
    panel, jobs = screen.panel, screen.panel.jobs
    hear = panel.bridge.listener
    prior_running, paused_seen = threading.Event(), threading.Event()

    def listener(job: RetrieveJob) -> None:  # worker threads
        if job.priority is Priority.PRIOR and job.progress and job.progress.received_instances >= PAUSE_AFTER:
            prior_running.set()
        hear(job)
        if job.priority is Priority.CURRENT and job.state is JobState.RUNNING:
            paused_seen.wait(10)  # hold the current study until the page has shown the prior as paused

    panel.bridge.listener = listener
    prior = screen.service.retrieve("orthanc", busy_pacs.prior_study, priority=Priority.PRIOR, listener=listener)
    panel.track(prior)
    qtbot.waitUntil(prior_running.is_set, timeout=WAIT_MS)

    header = pydicom.dcmread(prior_files[0], stop_before_pixels=True)
    search(qtbot, screen, patient_id=str(header.PatientID))
    row = next(number for number, result in enumerate(panel.results.results)
               if result.study.study_instance_uid == header.StudyInstanceUID)
    panel.results_view.selectRow(row)
    qtbot.keyClick(panel.results_view, Qt.Key.Key_Return)

    def prior_row_text(column: int) -> str:
        return jobs.data(jobs.index(jobs.row_of(prior), column))

    qtbot.waitUntil(lambda: prior_row_text(STATE) == "paused", timeout=WAIT_MS)
    assert "Paused for a more urgent study" in prior_row_text(MESSAGE)
    assert jobs.data(jobs.index(jobs.row_of(prior), 2)) == "prior"
    paused_seen.set()
    wait_finished(qtbot, screen, 2)
    current = next(row.job for row in jobs.rows if row.job is not prior)
    assert current.state is JobState.DONE and prior.state is JobState.DONE, (current.error, prior.error)
    qtbot.waitUntil(lambda: prior_row_text(STATE) == "done", timeout=WAIT_MS)
    assert prior_row_text(MESSAGE) == ""
    assert len(screen.window.archive.instance_uids(busy_pacs.prior_study)) == 300
