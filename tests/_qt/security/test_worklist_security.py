"""The worklist under security: counts and "open next" leave out the exams the user may not see, and the
locks carry the logged-in user's name (not the worklist settings' reader)."""

from __future__ import annotations

import pytest

from tests._qt.worklist.test_worklist_dock import TIMEOUT_MS, worklist  # noqa: F401 (fixture)
from workstation._qt.security.controller import install_security
from workstation.security.restricted_rows import RESTRICTED_NAME
from workstation.security.roles import Role
from workstation.security.station import StationSecurity
from workstation.worklist.store import WorklistStore

pytestmark = pytest.mark.gui


def test_counts_open_next_and_locks_follow_the_logged_in_user(worklist, main_window, qtbot):  # noqa: F811
    security = StationSecurity.open()
    alice = security.users.add("alice", Role.RADIOLOGIST, "alice-pw")
    bob = security.users.add("bob", Role.RESIDENT, "bob-pw")
    stat = next(exam for exam in worklist.panel.all_exams if exam.accession_number == "DEMOA0102")
    security.policy.restrict(alice, stat.study_instance_uid)  # the STAT exam "open next" would take first
    controller = install_security(main_window, security, user=bob)
    panel = worklist.panel
    qtbot.waitUntil(lambda: panel.restricted_accessions == {"DEMOA0102"}, timeout=TIMEOUT_MS)
    assert panel.counts.text().startswith("1 scheduled · 1 images available")  # the restricted row is not counted
    [row] = [exam for exam in panel.model.exams if exam.accession_number == "DEMOA0102"]
    assert (row.patient_name, row.patient_id, row.procedure) == (RESTRICTED_NAME, "", "")
    assert panel.model.rowCount() == 3 and stat.patient_id not in str(panel.model.exams)

    worklist.actions["worklist.open_next"].trigger()
    qtbot.waitUntil(lambda: panel.current_accession != "", timeout=TIMEOUT_MS)
    assert panel.current_accession != "DEMOA0102"
    store = WorklistStore(worklist.config.store_location())
    assert store.exam(panel.current_accession).locked_by == "bob"
    assert not store.exam("DEMOA0102").is_locked()
    qtbot.waitUntil(lambda: main_window.reading_screen.is_settled(), timeout=TIMEOUT_MS)

    asked: list[str] = []
    controller.ask_reason = lambda uid: asked.append(uid)  # bob cancels the break-the-glass dialog
    panel.select("DEMOA0102")
    panel.open_selected()
    assert asked == [stat.study_instance_uid] and not store.exam("DEMOA0102").is_locked()
