"""The reading state machine and locks on the SQLite store (PostgreSQL: test_worklist_postgres.py)."""

from __future__ import annotations

import time

import pytest

from tests.worklist.conftest import order
from workstation.worklist.errors import WorklistError
from workstation.worklist.exam import Priority, ReadingStatus
from workstation.worklist.reader_session import ReaderSession


def test_a_second_reader_gets_the_exam_read_only_and_sees_who_holds_it(store):
    store.upsert_order(order("A1"))
    store.record_images("A1", 10, True)
    alice, bob = ReaderSession(store, "alice"), ReaderSession(store, "bob")
    assert alice.open("A1").acquired
    second = bob.open("A1")
    assert not second.acquired
    assert second.exam.locked_by == "alice"
    assert store.exam("A1").status == ReadingStatus.IN_PROGRESS


def test_closing_releases_the_lock_and_an_undictated_exam_is_unread_again(store):
    store.upsert_order(order("A1"))
    store.record_images("A1", 10, True)
    alice, bob = ReaderSession(store, "alice"), ReaderSession(store, "bob")
    alice.open("A1")
    alice.close("A1")
    assert store.exam("A1").status == ReadingStatus.IMAGES_AVAILABLE
    assert bob.open("A1").acquired


def test_an_expired_lease_can_be_taken_over_and_the_old_holder_learns_it(store):
    store.upsert_order(order("A1"))
    store.record_images("A1", 10, True)
    alice = ReaderSession(store, "alice", lease_seconds=0.2)
    bob = ReaderSession(store, "bob")
    alice.open("A1")
    assert not bob.open("A1").acquired
    time.sleep(0.3)
    assert bob.open("A1").acquired
    assert alice.renew() == ["A1"]
    assert store.exam("A1").locked_by == "bob"


def test_every_transition_is_recorded_with_user_and_time(store):
    store.upsert_order(order("A1"))
    store.record_images("A1", 3, True)
    session = ReaderSession(store, "alice")
    session.open("A1")
    session.set_status("A1", ReadingStatus.DICTATED)
    session.set_status("A1", ReadingStatus.PRELIMINARY)
    session.set_status("A1", ReadingStatus.FINAL)
    transitions = store.transitions("A1")
    assert [t.to_status for t in transitions] == [
        ReadingStatus.SCHEDULED, ReadingStatus.IMAGES_AVAILABLE, ReadingStatus.IN_PROGRESS,
        ReadingStatus.DICTATED, ReadingStatus.PRELIMINARY, ReadingStatus.FINAL,
    ]
    assert [t.user for t in transitions[2:]] == ["alice"] * 4
    assert all(abs(t.at - time.time()) < 60 for t in transitions)


def test_status_changes_need_the_lock_and_follow_the_workflow(store):
    store.upsert_order(order("A1"))
    store.record_images("A1", 3, True)
    alice, bob = ReaderSession(store, "alice"), ReaderSession(store, "bob")
    alice.open("A1")
    with pytest.raises(WorklistError, match="not locked by you"):
        bob.set_status("A1", ReadingStatus.DICTATED)
    alice.set_status("A1", ReadingStatus.FINAL)
    with pytest.raises(WorklistError, match="cannot become"):
        store.set_status("A1", ReadingStatus.DICTATED, "RIS")


def test_scheduled_exams_without_images_cannot_be_locked(store):
    store.upsert_order(order("A1"))
    result = ReaderSession(store, "alice").open("A1")
    assert not result.acquired and result.exam.status == ReadingStatus.SCHEDULED


def test_open_next_takes_stat_then_emergency_then_longest_waiting_and_skips_locked(store):
    for accession, priority, emergency, ordered in (
        ("ROUTINE-OLD", Priority.ROUTINE, False, 100.0), ("ROUTINE-ED", Priority.ROUTINE, True, 500.0),
        ("STAT-NEW", Priority.STAT, False, 900.0), ("URGENT", Priority.URGENT, False, 800.0),
        ("NO-IMAGES", Priority.STAT, True, 50.0),
    ):
        store.upsert_order(order(accession, priority, emergency, ordered))
        if accession != "NO-IMAGES":
            store.record_images(accession, 5, True)
    alice, bob = ReaderSession(store, "alice"), ReaderSession(store, "bob")
    assert alice.open_next().exam.accession_number == "STAT-NEW"
    assert alice.following("STAT-NEW").accession_number == "URGENT"
    assert bob.open_next().exam.accession_number == "URGENT"
    assert bob.open_next().exam.accession_number == "ROUTINE-ED"
    assert alice.open_next().exam.accession_number == "ROUTINE-OLD"
    assert alice.open_next() is None


def test_cancelled_orders_leave_the_list_and_come_back_when_ordered_again(store):
    store.upsert_order(order("A1"))
    store.upsert_order(order("A2"))
    assert store.cancel("A1")
    assert [exam.accession_number for exam in store.exams()] == ["A2"]
    store.upsert_order(order("A1"))
    assert store.exam("A1").status == ReadingStatus.SCHEDULED


def test_order_updates_keep_status_and_lock(store):
    store.upsert_order(order("A1"))
    store.record_images("A1", 5, True)
    session = ReaderSession(store, "alice")
    session.open("A1")
    store.upsert_order(order("A1", Priority.STAT, procedure="CT Chest"))
    exam = store.exam("A1")
    assert (exam.priority, exam.procedure, exam.status, exam.locked_by) == (
        Priority.STAT, "CT Chest", ReadingStatus.IN_PROGRESS, "alice")


def test_merge_moves_exams_to_the_surviving_patient(store):
    store.upsert_order(order("A1", patient_id="OLD"))
    store.upsert_order(order("A2", patient_id="KEEP"))
    surviving = order("", patient_id="KEEP")
    surviving.patient_name = "Kept^Name"
    assert store.merge_patient("OLD", surviving) == 1
    assert {exam.patient_id for exam in store.exams()} == {"KEEP"}
    assert store.exam("A1").patient_name == "Kept^Name"


def test_counts_per_status(store):
    store.upsert_order(order("A1"))
    store.upsert_order(order("A2"))
    store.record_images("A2", 1, False)
    counts = store.counts_by_status()
    assert counts[ReadingStatus.SCHEDULED] == 1 and counts[ReadingStatus.IMAGES_AVAILABLE] == 1
    assert counts[ReadingStatus.FINAL] == 0


def test_status_listener_hears_what_the_ris_must_be_told(store):
    heard = []
    store.upsert_order(order("A1"))
    store.record_images("A1", 1, True)
    session = ReaderSession(store, "alice", on_status_changed=lambda exam, status: heard.append(status))
    session.open("A1")
    session.set_status("A1", ReadingStatus.DICTATED)
    assert heard == [ReadingStatus.IN_PROGRESS, ReadingStatus.DICTATED]
