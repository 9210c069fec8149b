"""Several stations sharing one worklist through a real PostgreSQL: one lock per exam, everywhere."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from tests.conftest import PROJECT_ROOT
from tests.worklist.conftest import order
from workstation.worklist.demo_orders import order_message
from workstation.worklist.errors import StoreUnavailable
from workstation.worklist.hl7_orders import handle_text
from workstation.worklist.exam import Priority, ReadingStatus
from workstation.worklist.reader_session import ReaderSession
from workstation.worklist.store import WorklistStore

EXAMS = 40


def seed(url: str) -> None:
    with WorklistStore(url) as store:
        for number in range(EXAMS):
            store.upsert_order(order(f"ACC{number:03d}", Priority.STAT if number % 7 == 0 else Priority.ROUTINE,
                                     ordered_at=1000.0 + number))
            store.record_images(f"ACC{number:03d}", 10, True)


def race(url: str, mode: str) -> list[list[str]]:
    start_at = time.time() + 1.5
    workers = [
        subprocess.Popen([sys.executable, "-m", "tests.worklist.lock_worker", url, mode, str(start_at), user],
                         cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)
        for user in ("alice", "bob")
    ]
    return [json.loads(worker.communicate(timeout=60)[0]) for worker in workers]


@pytest.mark.parametrize("mode", ["each", "next"])
def test_two_workstation_processes_never_both_lock_the_same_exam(postgres_url, mode):
    seed(postgres_url)
    alice, bob = race(postgres_url, mode)
    assert not set(alice) & set(bob)
    assert sorted(alice + bob) == [f"ACC{number:03d}" for number in range(EXAMS)]
    with WorklistStore(postgres_url) as store:
        holders = {exam.accession_number: exam.locked_by for exam in store.exams()}
        assert all(holders[accession] == "alice" for accession in alice)
        assert all(holders[accession] == "bob" for accession in bob)
        assert store.counts_by_status()[ReadingStatus.IN_PROGRESS] == EXAMS


def test_locks_and_statuses_are_the_same_on_both_stations(postgres_url):
    with WorklistStore(postgres_url) as first, WorklistStore(postgres_url) as second:
        first.upsert_order(order("ACC1"))
        first.record_images("ACC1", 3, True)
        alice, bob = ReaderSession(first, "alice"), ReaderSession(second, "bob")
        assert alice.open("ACC1").acquired
        seen = bob.open("ACC1")
        assert not seen.acquired and seen.exam.locked_by == "alice"
        alice.set_status("ACC1", ReadingStatus.DICTATED)
        assert second.exam("ACC1").status == ReadingStatus.DICTATED
        assert [t.user for t in second.transitions("ACC1")][-1] == "alice"


def test_the_database_going_away_is_reported_and_the_store_recovers(postgres, postgres_url):
    with WorklistStore(postgres_url, connect_timeout=2) as store:
        store.upsert_order(order("ACC1"))
        postgres.stop()
        try:
            with pytest.raises(StoreUnavailable, match="worklist"):
                store.exams()
            with pytest.raises(StoreUnavailable, match="cannot be reached"):
                store.exams()
            answer = handle_text(store, order_message("C1", "ACC2", ("P1", "Doe^Jane", "19600101", "F"), "CT Chest",
                                                      "CT", "R", "O"))
            assert "MSA|AE|C1" in answer  # the RIS is told to send it again later
        finally:
            postgres.start()
        assert [exam.accession_number for exam in store.exams()] == ["ACC1"]


def test_a_store_made_while_the_database_is_away_opens_once_it_is_back(postgres, postgres_url):
    postgres.stop()
    try:
        with pytest.raises(StoreUnavailable, match="cannot be reached"):
            WorklistStore(postgres_url, connect_timeout=1)
        store = WorklistStore(postgres_url, connect_timeout=1, wait_if_unavailable=True)  # a station starting now
        with pytest.raises(StoreUnavailable, match="cannot be reached"):
            store.exams()
    finally:
        postgres.start()
    with store:
        store.upsert_order(order("ACC1"))  # the tables are made on the first call that reaches the database
        assert [exam.accession_number for exam in store.exams()] == ["ACC1"]
