"""Dictating an exam opened from the worklist moves it to "dictated" in the shared worklist store."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests._qt.worklist.test_worklist_dock import worklist  # noqa: F401 (fixture)
from tests.reporting.virtual_microphone import virtual_microphone  # noqa: F401 (fixture)
from workstation._qt.reporting.dock import install_report_editor
from workstation.net.outbox import Outbox
from workstation.reporting.outputs import ReportOutputs
from workstation.worklist.exam import ReadingStatus
from workstation.worklist.store import WorklistStore

pytestmark = pytest.mark.gui
TIMEOUT_MS = 20_000


def test_recording_for_the_open_exam_marks_it_dictated_once(worklist, main_window, qtbot, tmp_path,
                                                            virtual_microphone):
    report = install_report_editor(main_window, author="Grey^Meredith",
                                   outputs=ReportOutputs(pacs_outbox=Outbox(tmp_path / "outbox"), pacs_node="pacs"))
    worklist.actions["worklist.open_next"].trigger()  # the STAT chest CT, locked for this reader
    qtbot.waitUntil(lambda: report.editor.session is not None
                    and report.editor.session.report.exam.accession_number == "DEMOA0102", timeout=TIMEOUT_MS)
    store = WorklistStore(worklist.config.store_location())
    assert store.exam("DEMOA0102").status is ReadingStatus.IN_PROGRESS

    qtbot.keyClick(main_window, Qt.Key.Key_F9)
    controls = report.editor.session.controls
    qtbot.waitUntil(lambda: controls.recorder.recorded_frames >= 4000, timeout=TIMEOUT_MS)
    assert store.exam("DEMOA0102").status is ReadingStatus.IN_PROGRESS  # not while still recording
    qtbot.keyClick(main_window, Qt.Key.Key_F9)
    assert store.exam("DEMOA0102").status is ReadingStatus.DICTATED

    qtbot.keyClick(main_window, Qt.Key.Key_F9)  # a second take changes nothing
    qtbot.waitUntil(lambda: controls.recorder.recorded_frames >= 2000, timeout=TIMEOUT_MS)
    qtbot.keyClick(main_window, Qt.Key.Key_F9)
    transitions = store.transitions("DEMOA0102")
    assert [t.to_status for t in transitions].count(ReadingStatus.DICTATED) == 1
    store.close()
    report.stop()
