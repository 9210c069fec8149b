"""The PACS page under security, on a real loopback Orthanc: a confidential study is left out of the answers,
of the priors and of the prefetch; queries and retrieves are audited with the logged-in user."""

from __future__ import annotations

import pydicom
import pytest

from tests._qt.pacs.conftest import install_pacs_page  # noqa: F401 - fixture
from tests._qt.pacs.test_pacs_page import search, wait_finished
from tests.net.conftest import ct_files, local, pacs, prior_files, storage_port  # noqa: F401 - fixtures
from workstation._qt.security.controller import install_security
from workstation.net.job_queue import JobState
from workstation.security.roles import Role
from workstation.security.station import StationSecurity

pytestmark = pytest.mark.gui


def studies_of_one_patient(prior_files) -> tuple[str, list[str]]:
    """A patient of the priors set and their study UIDs, newest first."""
    headers = [pydicom.dcmread(path, stop_before_pixels=True) for path in prior_files]
    patient = str(headers[0].PatientID)
    dated = {str(h.StudyInstanceUID): str(h.StudyDate) for h in headers if str(h.PatientID) == patient}
    return patient, sorted(dated, key=dated.get, reverse=True)


def test_pacs_answers_priors_and_prefetch_leave_out_the_confidential_study_and_are_audited(
        qtbot, main_window, install_pacs_page, pacs, prior_files):  # noqa: F811
    security = StationSecurity.open()
    alice = security.users.add("alice", Role.RADIOLOGIST, "alice-pw")
    bob = security.users.add("bob", Role.RESIDENT, "bob-pw")
    patient, (newest, older) = studies_of_one_patient(prior_files)
    security.policy.restrict(alice, newest)
    screen = install_pacs_page(pacs.node(method="web"))
    install_security(main_window, security, user=bob)

    search(qtbot, screen, patient_id=patient)
    assert [r.study.study_instance_uid for r in screen.panel.results.results] == [older]
    assert "1 study found" in screen.panel.message_label.text()
    query = [r for r in security.trail.log.records() if r["event"] == "query"][-1]
    assert query["user"] == "bob" and f"PatientID={patient}" in query["detail"]

    screen.panel.results_view.selectRow(0)
    screen.panel.retrieve_selected(priors=2)  # the newest study is this one's only prior, and it is hidden
    wait_finished(qtbot, screen, 1)
    qtbot.wait(1500)  # the prior search runs in the background: give it time to (wrongly) queue the hidden one
    assert [row.job.study_instance_uid for row in screen.panel.jobs.rows] == [older]
    assert screen.panel.jobs.rows[0].job.state is JobState.DONE
    transfers = [r for r in security.trail.log.records() if r["event"] == "begin transferring"]
    assert [(r["user"], r["study_uids"]) for r in transfers] == [("bob", [older])]
    assert transfers[0]["patient_ids"] == [patient]

    screen.prefetch_study(newest)  # the worklist's next exam, confidential: not fetched for bob
    assert screen.panel.jobs.rowCount() == 1 and not main_window.archive.instance_uids(newest)
