"""The worklist dock in the main window: open next locks and shows the exam, read-only when taken,
STAT highlighted and announced without stealing focus, banner, filters saved, hideable by a key."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from workstation._qt.reading.reading_view import ReadingView
from workstation._qt.worklist.dock import WorklistDock, install_worklist
from workstation._qt.worklist.panel import WorklistPanel
from workstation._qt.worklist.table_model import STAT_BACKGROUND
from workstation.worklist.config import WorklistConfig
from workstation.worklist.demo_orders import demo_orders, order_message
from workstation.worklist.exam import Exam, ReadingStatus
from workstation.worklist.filters import load_filter
from workstation.worklist.hl7_orders import handle_text
from workstation.worklist.reader_session import ReaderSession
from workstation.worklist.store import WorklistStore

pytestmark = pytest.mark.gui
TIMEOUT_MS = 10_000


def seed_from_archive(store: WorklistStore, archive) -> dict[str, str]:
    """HL7 demo orders, then the images the archive holds (as the PACS poll would record them)."""
    for text in demo_orders():
        assert "MSA|AA" in handle_text(store, text)
    uids = {}
    for study in archive.studies():
        if study.accession_number in ("DEMOA0102", "DEMOA0302"):
            if study.accession_number == "DEMOA0302":
                store.upsert_order(Exam("DEMOA0302", patient_id=study.patient_id, patient_name=study.patient_name,
                                        procedure=study.study_description, modality="DX", ordered_at=100.0))
            store.record_images(study.accession_number, study.instance_count, True,
                                study_instance_uid=study.study_instance_uid)
            uids[study.accession_number] = study.study_instance_uid
    return uids


@pytest.fixture
def worklist(main_window, workstation_home, qtbot):
    config = WorklistConfig(user="alice", lease_seconds=30)
    with WorklistStore(config.store_location()) as seed_store:
        uids = seed_from_archive(seed_store, main_window.archive)
    main_window.install_reading_screen(ReadingView(main_window.archive))
    dock = install_worklist(main_window, config)
    assert isinstance(dock, WorklistDock)
    qtbot.waitUntil(lambda: dock.panel.model.rowCount() == 3, timeout=TIMEOUT_MS)
    dock.uids = uids
    yield dock
    dock.shutdown()


def row_of(panel: WorklistPanel, accession: str) -> int:
    return next(row for row, exam in enumerate(panel.model.exams) if exam.accession_number == accession)


def test_the_dock_lists_exams_with_counts_and_stat_highlighted(worklist, main_window):
    panel = worklist.panel
    assert main_window.dockWidgetArea(worklist.dock) == Qt.DockWidgetArea.LeftDockWidgetArea
    assert [exam.accession_number for exam in panel.model.exams][0] == "DEMOA0102"
    assert panel.counts.text().startswith("1 scheduled · 2 images available")
    stat_row = row_of(panel, "DEMOA0102")
    assert panel.model.index(stat_row, 0).data(Qt.ItemDataRole.BackgroundRole).color() == STAT_BACKGROUND
    routine_row = row_of(panel, "DEMOA0302")
    assert panel.model.index(routine_row, 0).data(Qt.ItemDataRole.BackgroundRole) is None


def test_open_next_locks_the_stat_exam_and_shows_it_and_leaving_releases_it(worklist, main_window, qtbot):
    worklist.actions["worklist.open_next"].trigger()
    qtbot.waitUntil(lambda: main_window.pages.currentWidget() is main_window.reading_screen, timeout=TIMEOUT_MS)
    exam = worklist.store.exam("DEMOA0102")
    assert (exam.status, exam.locked_by) == (ReadingStatus.IN_PROGRESS, "alice")
    assert worklist.panel.current_accession == "DEMOA0102"

    main_window.show_study_list()
    qtbot.waitUntil(lambda: not worklist.store.exam("DEMOA0102").locked_by, timeout=TIMEOUT_MS)
    assert worklist.store.exam("DEMOA0102").status == ReadingStatus.IMAGES_AVAILABLE


def test_an_exam_another_reader_holds_opens_read_only_and_says_who(worklist, main_window, qtbot):
    other = ReaderSession(worklist.store, "bob")
    assert other.open("DEMOA0102").acquired
    panel = worklist.panel
    panel.refresh()
    qtbot.waitUntil(lambda: worklist.panel.model.exams[row_of(panel, "DEMOA0102")].locked_by == "bob",
                    timeout=TIMEOUT_MS)
    panel.select("DEMOA0102")
    panel.table.setFocus()
    messages = []
    panel.message.connect(messages.append)
    with qtbot.waitSignal(panel.study_requested, timeout=TIMEOUT_MS) as opened:
        qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    assert opened.args == [worklist.uids["DEMOA0102"], "DEMOA0102", True]
    assert messages == ["Exam DEMOA0102 is locked by bob: opened read-only."]
    assert main_window.pages.currentWidget() is main_window.reading_screen
    assert panel.current_accession == ""
    assert worklist.store.exam("DEMOA0102").locked_by == "bob"


def test_closing_the_window_releases_the_lock(worklist, main_window, qtbot):
    worklist.panel.select("DEMOA0302")
    worklist.actions["worklist.open_selected"].trigger()
    qtbot.waitUntil(lambda: worklist.store.exam("DEMOA0302").locked_by == "alice", timeout=TIMEOUT_MS)
    main_window.close()
    assert not worklist.store.exam("DEMOA0302").locked_by


def test_a_new_stat_order_is_announced_without_taking_the_focus(worklist, main_window, qtbot):
    main_window.study_browser.study_table.setFocus()
    qtbot.waitUntil(lambda: main_window.study_browser.study_table.hasFocus(), timeout=TIMEOUT_MS)
    handle_text(worklist.store, order_message("N1", "STAT9", ("P9", "New^Stat", "19800101", "M"), "CT Head", "CT", "S", "E"))
    with qtbot.waitSignal(worklist.panel.stat_announced, timeout=TIMEOUT_MS) as announced:
        worklist.panel.refresh()
    assert "CT Head" in announced.args[0] and "(ED)" in announced.args[0]
    assert worklist.panel.announcement.isVisible()
    assert QApplication.focusWidget() is main_window.study_browser.study_table


def test_the_key_hides_and_shows_the_dock(worklist, main_window, qtbot):
    assert worklist.dock.isVisible()
    main_window.study_browser.study_table.setFocus()
    qtbot.keyClick(main_window.study_browser.study_table, Qt.Key.Key_F3)
    assert not worklist.dock.isVisible()
    qtbot.keyClick(main_window.study_browser.study_table, Qt.Key.Key_F3)
    assert worklist.dock.isVisible()
    assert "worklist.open_next" in main_window.reading_screen.registry


def test_filters_are_saved_per_user_and_applied(worklist, qtbot):
    panel = worklist.panel
    panel.search.setText("casey")
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=TIMEOUT_MS)
    assert panel.model.exams[0].accession_number == "DEMOA0302"
    assert load_filter().search == "casey"
    again = WorklistPanel(worklist.session, load_filter())
    assert again.search.text() == "casey"
    again.shutdown()


def test_a_failing_source_shows_a_banner_that_goes_when_it_recovers(worklist, qtbot):
    problems = {"worklist server": "The worklist server is not running."}
    worklist.panel.problems = lambda: dict(problems)
    worklist.panel.refresh()
    qtbot.waitUntil(lambda: worklist.panel.banner.isVisible(), timeout=TIMEOUT_MS)
    assert "not running" in worklist.panel.banner.text()
    problems.clear()
    worklist.panel.refresh()
    qtbot.waitUntil(lambda: not worklist.panel.banner.isVisible(), timeout=TIMEOUT_MS)


def test_status_changes_from_the_reading_screen_are_recorded_and_queued_for_the_ris(main_window, workstation_home, qtbot):
    from tests.worklist.conftest import FakeRis

    ris = FakeRis().start()
    try:
        config = WorklistConfig(user="alice", ris_port=ris.port)
        with WorklistStore(config.store_location()) as seed_store:
            seed_from_archive(seed_store, main_window.archive)
        dock = install_worklist(main_window, config)
        assert main_window.worklist_dock is dock
        dock.actions["worklist.open_next"].trigger()
        qtbot.waitUntil(lambda: dock.panel.current_accession == "DEMOA0102", timeout=TIMEOUT_MS)
        assert dock.set_status(ReadingStatus.DICTATED).status == ReadingStatus.DICTATED
        assert dock.store.transitions("DEMOA0102")[-1].user == "alice"
        qtbot.waitUntil(lambda: len(ris.received) == 2, timeout=TIMEOUT_MS)
        assert [text.split("\r")[2].split("|")[25] for text in ris.received] == ["I", "R"]
        dock.shutdown()
    finally:
        ris.stop()


def test_the_store_going_away_shows_a_banner(worklist, qtbot, monkeypatch):
    from workstation.worklist.errors import StoreUnavailable

    def unavailable(*_args, **_kwargs):
        raise StoreUnavailable("The shared worklist (PostgreSQL db:5432/worklist) cannot be reached.")

    monkeypatch.setattr(worklist.store, "exams", unavailable)
    worklist.panel.refresh()
    qtbot.waitUntil(lambda: worklist.panel.banner.isVisible(), timeout=TIMEOUT_MS)
    assert "cannot be reached" in worklist.panel.banner.text()
    assert worklist.panel.model.rowCount() == 3  # the last known list stays
    monkeypatch.undo()
    worklist.panel.refresh()
    qtbot.waitUntil(lambda: not worklist.panel.banner.isVisible(), timeout=TIMEOUT_MS)


def test_rows_keep_the_reading_order_until_a_header_is_clicked_and_sort_by_rank(worklist, qtbot):
    panel = worklist.panel
    handle_text(worklist.store, order_message("U1", "URG1", ("P8", "Urgent^Pat", "19800101", "M"), "CT Head", "CT", "A", "I"))
    panel.refresh()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 4, timeout=TIMEOUT_MS)
    shown = [panel.proxy.index(row, 5).data() for row in range(panel.proxy.rowCount())]
    assert shown[:2] == ["DEMOA0102", "URG1"]
    panel.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    shown = [panel.proxy.index(row, 5).data() for row in range(panel.proxy.rowCount())]
    assert shown[-2:] == ["URG1", "DEMOA0102"]
    assert load_filter().sort_column == "Priority" and load_filter().sort_descending
