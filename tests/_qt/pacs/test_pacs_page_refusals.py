"""The PACS page when the PACS says no: a refused association, an open search, more matches than the limit.

Each ends in a clear message in the page's message line; the window stays usable.
"""

from __future__ import annotations

from pathlib import Path

import pydicom
import pytest
from PySide6.QtCore import Qt

from tests._qt.pacs.test_pacs_page import WAIT_MS, search, wait_finished
from workstation._qt.main_window import MainWindow
from workstation._qt.pacs.results_model import SearchResult
from workstation.net.job_queue import JobState
from workstation.net.orthanc_server import OrthancServer
from workstation.net.query_results import RemoteStudy
from workstation.settings.pacs_nodes import PacsNode


@pytest.fixture
def strict_pacs(tmp_path: Path):
    """An Orthanc that refuses associations not called by its own AE title."""
    server = OrthancServer(folder=tmp_path / "strict", aet="STRICT", check_called_aet=True).start()
    yield server
    server.stop()


def test_a_refused_association_is_told_in_the_page(qtbot, main_window: MainWindow, install_pacs_page, strict_pacs):
    wrong = PacsNode(name="strict", aet="NOTSTRICT", host="127.0.0.1", port=strict_pacs.dicom_port)
    screen = install_pacs_page(wrong)
    panel = screen.panel
    search(qtbot, screen, patient_id="123")
    text = panel.message_label.text()
    assert text.startswith("Search failed:") and "refused the association" in text, text
    assert "'NOTSTRICT'" in text and "Traceback" not in text
    assert "bold" in panel.message_label.styleSheet()  # shown as an error

    study = RemoteStudy("1.2.3.4", "123", "", "Doe^Jane", "", "20240101", "", "A1", "CT chest", ("CT",), 1, 10)
    panel.results.set_results([SearchResult(study, 0)])
    panel.results_view.selectRow(0)
    qtbot.keyClick(panel.results_view, Qt.Key.Key_Return)
    wait_finished(qtbot, screen, 1)
    job = panel.jobs.rows[0].job
    assert job.state is JobState.FAILED and "refused the association" in job.error
    qtbot.waitUntil(lambda: "failed:" in panel.message_label.text(), timeout=WAIT_MS)
    assert "AE title" in panel.message_label.text()
    assert main_window.isVisible() or not main_window.isHidden()  # still there, still ours
    search(qtbot, screen, patient_id="456")  # and still answers the next search
    assert panel.message_label.text().startswith("Search failed:")


def test_an_open_search_is_refused_before_asking_the_pacs(qtbot, install_pacs_page, pacs):
    screen = install_pacs_page(pacs.node(method="get"))
    panel = screen.panel
    for values in ({}, {"modality": "CT"}, {"patient_name": "*"}):
        panel.form.set_values(**{key: "" for key in panel.form.fields})
        panel.form.set_values(**values)
        panel.search_button.click()
        text = panel.message_label.text()
        assert "patient ID or name, an accession number or a study date range" in text, text
        assert "Searching" not in text and panel.results.rowCount() == 0


def test_more_matches_than_the_limit_say_narrow_the_search(qtbot, install_pacs_page, pacs, prior_files):
    screen = install_pacs_page(pacs.node(method="web", query_limit=1))
    header = pydicom.dcmread(prior_files[0], stop_before_pixels=True)
    search(qtbot, screen, patient_id=str(header.PatientID))  # the patient has 2 studies
    text = screen.panel.message_label.text()
    assert "More than 1 studies match" in text and "Narrow the search" in text, text
    assert screen.panel.results.rowCount() == 1


def test_a_new_user_sees_a_capped_listing(qtbot, install_pacs_page, pacs):
    """The first screen's listing (empty archive) is the one search without keys, and it is capped too."""
    screen = install_pacs_page(pacs.node(method="get", query_limit=4))
    screen.panel.search(browse=True)
    qtbot.waitUntil(lambda: screen.panel.results.rowCount() > 0, timeout=WAIT_MS)
    assert screen.panel.results.rowCount() == 4
    assert "More than 4 studies match" in screen.panel.message_label.text()
