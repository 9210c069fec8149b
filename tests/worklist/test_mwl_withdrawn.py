"""An MWL item that disappears from the worklist server is cancelled here, as an HL7 cancel would be, unless
the exam has started (images arrived, a reader holds it)."""

from __future__ import annotations

import pytest

from workstation.net.modality_worklist import ScheduledProcedureStep
from workstation.settings.pacs_nodes import LocalNode, PacsNode
from workstation.worklist import sources
from workstation.worklist.exam import ReadingStatus
from workstation.worklist.sources import WorklistPoller


def step(accession: str) -> ScheduledProcedureStep:
    return ScheduledProcedureStep(accession, "P1", "", "Test^Patient", "19700101", "F", "", "CT Head", "R", "CT",
                                  "CT1", "20250101", "0800", "", "General")


@pytest.fixture
def mwl_server(monkeypatch) -> list[str]:
    """The accession numbers the MWL server lists right now (a stand-in for the C-FIND answer)."""
    listed: list[str] = []
    monkeypatch.setattr(sources, "find_scheduled_steps", lambda *_args: [step(accession) for accession in listed])
    return listed


def test_a_vanished_item_is_cancelled_with_a_recorded_transition(store, mwl_server):
    poller = WorklistPoller(store, LocalNode(), mwl_node=PacsNode("mwl", aet="MWL", port=4242))
    mwl_server[:] = ["A1", "A2", "A3", "A4"]
    poller.poll_once()
    assert {exam.accession_number for exam in store.exams()} == {"A1", "A2", "A3", "A4"}
    store.record_images("A2", 5, False)  # performed: images are arriving
    store.record_images("A3", 5, True)
    assert store.acquire("A3", "alice", "station-1").acquired  # being read
    mwl_server[:] = ["A4"]  # the modality or the RIS took A1..A3 off the MWL server
    poller.poll_once()
    assert poller.problems == {}
    assert {exam.accession_number for exam in store.exams()} == {"A2", "A3", "A4"}
    last = store.transitions("A1")[-1]
    assert (last.from_status, last.to_status, last.user) == (ReadingStatus.SCHEDULED, ReadingStatus.CANCELLED, "MWL")
    mwl_server[:] = ["A1", "A4"]  # placed again: back on the list
    poller.poll_once()
    assert store.exam("A1").status == ReadingStatus.SCHEDULED


def test_items_another_source_added_are_not_cancelled_and_a_failed_poll_cancels_nothing(store, mwl_server, monkeypatch):
    from tests.worklist.conftest import order
    from workstation.worklist.errors import WorklistError

    store.upsert_order(order("HL7-1"))  # from the RIS over HL7, never listed by this MWL server
    poller = WorklistPoller(store, LocalNode(), mwl_node=PacsNode("mwl", aet="MWL", port=4242))
    mwl_server[:] = ["A1"]
    poller.poll_once()

    def unreachable(*_args):
        raise WorklistError("The worklist server is not running.")

    monkeypatch.setattr(sources, "find_scheduled_steps", unreachable)
    poller.poll_once()
    assert "worklist server" in poller.problems
    assert {exam.accession_number for exam in store.exams()} == {"HL7-1", "A1"}


def test_a_withdrawn_item_whose_images_reach_the_pacs_is_listed_again(store, mwl_server, monkeypatch):
    """Some MWL servers drop an item as soon as the modality starts the exam: the images bring it back."""
    from types import SimpleNamespace

    on_pacs: dict[str, int] = {}

    def query_studies(_node, _local, **match):
        accession = match.get("AccessionNumber", "")
        return [SimpleNamespace(number_of_instances=on_pacs[accession], study_instance_uid=f"1.2.3.{len(accession)}",
                                study_date="20250101", study_time="0900")] if accession in on_pacs else []

    monkeypatch.setattr(sources, "query_studies", query_studies)
    poller = WorklistPoller(store, LocalNode(), mwl_node=PacsNode("mwl", aet="MWL", port=4242),
                            pacs_node=PacsNode("pacs", aet="PACS", port=4243))
    mwl_server[:] = ["A1", "A2"]
    poller.poll_once()
    mwl_server[:] = []  # both started at the modality; only A1 was really performed
    poller.poll_once()
    assert store.exams() == []
    on_pacs["A1"] = 120
    poller.poll_once()
    assert [(exam.accession_number, exam.status) for exam in store.exams()] == [("A1", ReadingStatus.IMAGES_AVAILABLE)]
    assert [(t.to_status, t.user) for t in store.transitions("A1")][-2:] == [
        (ReadingStatus.SCHEDULED, "PACS"), (ReadingStatus.IMAGES_AVAILABLE, "PACS")]
