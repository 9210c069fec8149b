"""The worklist dock, continued: body part / site / status filters by keyboard and saved per user, keys
remapped while the window is open, a store that is away at start, an exam the open gate keeps closed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from tests._qt.worklist.test_worklist_dock import TIMEOUT_MS, worklist  # noqa: F401 - the fixture
from workstation._qt.worklist.dock import WorklistDock, install_worklist
from workstation._qt.worklist.panel import WorklistPanel
from workstation.core.keymap import Keymap
from workstation.worklist.config import WorklistConfig
from workstation.worklist.exam import Exam, ReadingStatus
from workstation.worklist.filters import load_filter
from workstation.worklist.store import WorklistStore

pytestmark = pytest.mark.gui


def listed(panel: WorklistPanel) -> set[str]:
    return {exam.accession_number for exam in panel.model.exams}


def type_into_focused(qtbot, text: str) -> None:
    widget = QApplication.focusWidget()
    widget.selectAll()
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def test_body_part_site_and_status_filters_from_the_keyboard_are_applied_and_saved(worklist, main_window, qtbot):  # noqa: F811
    store, panel = worklist.store, worklist.panel
    store.upsert_order(Exam("KNEE1", patient_name="Knee^Pat", modality="MR", body_part="KNEE", site="North", ordered_at=5.0))
    store.upsert_order(Exam("KNEE2", patient_name="Knee^Two", modality="MR", body_part="KNEE", site="South", ordered_at=6.0))
    store.record_images("KNEE2", 20, True)
    panel.refresh()
    qtbot.waitUntil(lambda: {"KNEE1", "KNEE2"} <= listed(panel), timeout=TIMEOUT_MS)

    main_window.study_browser.study_table.setFocus()
    qtbot.keyClick(main_window.study_browser.study_table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.AltModifier)  # worklist.filter
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.modality_filter, timeout=TIMEOUT_MS)
    qtbot.keyClick(panel.modality_filter, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is panel.body_part_filter
    type_into_focused(qtbot, "knee")
    assert listed(panel) == {"KNEE1", "KNEE2"}
    qtbot.keyClick(panel.body_part_filter, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is panel.site_filter
    type_into_focused(qtbot, "north")  # sites match whatever the case
    assert listed(panel) == {"KNEE1"}
    qtbot.keyClick(panel.site_filter, Qt.Key.Key_Tab)
    qtbot.keyClick(panel.search, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is panel.status_filter

    panel.site_filter.clear()
    panel.site_filter.editingFinished.emit()
    assert listed(panel) == {"KNEE1", "KNEE2"}
    panel.status_actions[ReadingStatus.SCHEDULED.value].setChecked(False)  # unread ones with images only
    assert listed(panel) == {"KNEE2"}
    assert "scheduled" not in panel.status_filter.text()

    saved = load_filter()
    assert (saved.body_parts, saved.sites) == (["KNEE"], [])
    assert ReadingStatus.SCHEDULED.value not in saved.statuses and ReadingStatus.IMAGES_AVAILABLE.value in saved.statuses
    again = WorklistPanel(worklist.session, load_filter())
    assert again.body_part_filter.text() == "KNEE"
    assert not again.status_actions[ReadingStatus.SCHEDULED.value].isChecked()
    assert again.status_actions[ReadingStatus.IN_PROGRESS.value].isChecked()
    again.shutdown()


def test_worklist_keys_remapped_while_the_window_is_open_apply_at_once(worklist, main_window, qtbot):  # noqa: F811
    toggle = worklist.actions["worklist.toggle"]
    assert toggle.shortcuts() == [QKeySequence("F3")]
    keymap = Keymap.load()
    keymap.rebind("worklist.toggle", ["Ctrl+Alt+K"])
    keymap.save()  # what the keymap dialog's OK does
    qtbot.waitUntil(lambda: toggle.shortcuts() == [QKeySequence("Ctrl+Alt+K")], timeout=TIMEOUT_MS)
    main_window.study_browser.study_table.setFocus()
    assert worklist.dock.isVisible()
    qtbot.keyClick(main_window.study_browser.study_table, Qt.Key.Key_K,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
    assert not worklist.dock.isVisible()


def test_a_store_that_cannot_be_opened_at_start_shows_a_banner_and_is_retried(main_window, tmp_path, qtbot):
    blocker = tmp_path / "shared"
    blocker.write_text("not a folder", encoding="utf-8")  # the store's folder cannot be made
    config = WorklistConfig(user="alice", store=str(blocker / "worklist.sqlite"))
    dock = install_worklist(main_window, config)
    assert isinstance(dock, WorklistDock) and main_window.worklist_dock is dock
    try:
        qtbot.waitUntil(lambda: dock.dock.isVisible() and dock.panel.banner.isVisible(), timeout=TIMEOUT_MS)
        assert "cannot be opened" in dock.panel.banner.text()
        dock.panel.refresh_timer.setInterval(200)
        blocker.unlink()  # the disk problem is fixed
        with WorklistStore(config.store) as other_station:
            other_station.upsert_order(Exam("LATE1", patient_name="Late^Order", modality="CT"))
        qtbot.waitUntil(lambda: listed(dock.panel) == {"LATE1"}, timeout=TIMEOUT_MS)
        assert not dock.panel.banner.isVisible()
    finally:
        dock.shutdown()


def test_an_exam_the_open_gate_keeps_closed_is_reported_and_released(worklist, main_window, qtbot):  # noqa: F811
    main_window.open_gate = lambda study_instance_uid: False  # the break-the-glass dialog was cancelled
    worklist.actions["worklist.open_next"].trigger()
    qtbot.waitUntil(lambda: "stayed closed" in main_window.statusBar().currentMessage(), timeout=TIMEOUT_MS)
    assert "opened" not in main_window.statusBar().currentMessage()
    assert main_window.pages.currentWidget() is main_window.study_browser
    qtbot.waitUntil(lambda: worklist.store.exam("DEMOA0102").locked_by == "", timeout=TIMEOUT_MS)
    assert worklist.panel.current_accession == ""
