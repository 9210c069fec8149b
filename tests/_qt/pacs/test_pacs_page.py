"""The PACS page against a real loopback Orthanc: search, retrieve (with priors), cancel, resume, failures."""

from __future__ import annotations

import shutil
import socket
import time
from pathlib import Path
from types import SimpleNamespace

import pydicom
from PySide6.QtCore import Qt, QTimer

from workstation._qt.app import build_main_window
from workstation._qt.main_window import MainWindow
from workstation._qt.pacs.screen import install_pacs
from workstation.archive import Archive
from workstation.net.outbox import Outbox
from workstation.net.service import PacsService
from workstation.settings.home import archive_folder
from workstation._qt.pacs.jobs_model import FINISHED
from workstation._qt.pacs.results_model import SearchResult
from workstation.net.query_results import RemoteStudy
from workstation.net.job_queue import JobState
from workstation.net.orthanc_server import free_port
from workstation.settings.pacs_nodes import LocalNode, PacsNode, PacsSettings

WAIT_MS = 20_000


def result_texts(screen, row: int) -> dict[str, str]:
    model = screen.panel.results
    return {model.headerData(column, Qt.Orientation.Horizontal): model.data(model.index(row, column))
            for column in range(model.columnCount())}


def search(qtbot, screen, **values: str) -> None:
    panel = screen.panel
    panel.form.set_values(**values)
    before = panel.message_label.text()
    panel.form.fields["patient_id"].setFocus()  # as when typing there (the results' Enter retrieves)
    qtbot.keyClick(panel.form.fields["patient_id"], Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.message_label.text() not in (before, "") and "Searching" not in
                    panel.message_label.text(), timeout=WAIT_MS)


def wait_finished(qtbot, screen, count: int) -> None:
    jobs = screen.panel.jobs
    qtbot.waitUntil(lambda: jobs.rowCount() >= count and all(r.job.state in FINISHED for r in jobs.rows),
                    timeout=WAIT_MS)


def study_of(path: Path) -> pydicom.Dataset:
    return pydicom.dcmread(path, stop_before_pixels=True)


def test_f4_opens_the_page_and_a_search_lists_the_pacs_studies(qtbot, main_window: MainWindow, install_pacs_page,
                                                               pacs, prior_files):
    screen = install_pacs_page(pacs.node(method="web"))
    qtbot.keyClick(main_window, Qt.Key.Key_F4)
    assert main_window.pages.currentWidget() is screen.panel
    assert screen.panel.form.fields["patient_id"].hasFocus()
    header = study_of(prior_files[0])
    search(qtbot, screen, patient_id=str(header.PatientID))
    assert "2 studies found" in screen.panel.message_label.text()
    rows = [result_texts(screen, row) for row in range(2)]
    assert all(row["Modalities"] == "CT" and row["Images"] == "3" and row["In archive"] == "no" for row in rows)
    assert rows[0]["Date"] > rows[1]["Date"]  # newest first
    assert str(header.PatientID) in rows[0]["Patient"]
    search(qtbot, screen, modality="MR")
    assert "Widen the search" in screen.panel.message_label.text(), screen.panel.message_label.text()
    assert screen.panel.results.rowCount() == 0


def test_enter_retrieves_into_the_archive_and_the_study_list(qtbot, main_window: MainWindow, install_pacs_page,
                                                             pacs, prior_files, tmp_path):
    screen = install_pacs_page(pacs.node(method="web"))
    screen.show_panel()
    header = study_of(prior_files[0])
    search(qtbot, screen, patient_id=str(header.PatientID))
    before = main_window.study_browser.study_model.rowCount()
    qtbot.keyClick(screen.panel.results_view, Qt.Key.Key_Return)
    wait_finished(qtbot, screen, 1)
    job = screen.panel.jobs.rows[0].job
    assert job.state is JobState.DONE, job.error
    assert len(main_window.archive.instance_uids(job.study_instance_uid)) == 3
    # the job ends on its worker thread; the panel hears of it through the queued bridge, a moment later
    qtbot.waitUntil(lambda: "Retrieved" in screen.panel.message_label.text(), timeout=WAIT_MS)
    assert "3 images" in screen.panel.message_label.text()
    jobs = screen.panel.jobs
    qtbot.waitUntil(lambda: jobs.data(jobs.index(0, 3)) == "done", timeout=WAIT_MS)
    assert jobs.data(jobs.index(0, 4)) == "3/3"
    qtbot.waitUntil(lambda: main_window.study_browser.study_model.rowCount() == before + 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: result_texts(screen, 0)["In archive"] == "yes", timeout=WAIT_MS)
    with qtbot.waitSignal(screen.panel.open_requested) as opened:
        screen.panel.open_button.click()
    assert opened.args == [job.study_instance_uid]
    screen.panel.show()  # keep the panel for the picture
    screen.show_panel()
    main_window.grab().save(str(tmp_path / "pacs_page.png"))


def test_shift_enter_retrieves_with_the_priors(qtbot, main_window: MainWindow, install_pacs_page, pacs, prior_files):
    screen = install_pacs_page(pacs.node(method="get"))
    header = study_of(prior_files[0])
    search(qtbot, screen, patient_id=str(header.PatientID))
    current = screen.panel.results.results[0].study
    qtbot.keyClick(screen.panel.results_view, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    wait_finished(qtbot, screen, 2)
    kinds = {row.job.study_instance_uid: screen.panel.jobs.data(screen.panel.jobs.index(number, 2))
             for number, row in enumerate(screen.panel.jobs.rows)}
    assert kinds[current.study_instance_uid] == "current" and sorted(kinds.values()) == ["current", "prior"]
    assert all(row.job.state is JobState.DONE for row in screen.panel.jobs.rows)
    assert len(main_window.archive.studies(str(header.PatientID))) == 2


def test_cancel_keeps_what_arrived_and_resume_fetches_the_rest(qtbot, main_window: MainWindow, install_pacs_page,
                                                               pacs, ct_files):
    screen = install_pacs_page(pacs.node(method="get"))
    panel = screen.panel
    ct = study_of(ct_files[0])
    search(qtbot, screen, patient_id=str(ct.PatientID))
    assert panel.results.results[0].study.number_of_instances == len(ct_files)
    hear = panel.bridge.listener

    def cancel_midway(job) -> None:  # a worker-thread hook: the cancel lands while instances are arriving
        if job.progress and job.progress.received_instances >= 20:
            job.cancel()
        hear(job)

    panel.bridge.listener = cancel_midway
    panel.results_view.selectRow(0)
    running = panel.retrieve_selected()[0]
    queued = panel.retrieve_selected()[0]  # the same node's queue holds it behind the first
    panel.bridge.listener = hear
    panel.jobs_view.selectRow(panel.jobs.row_of(queued))
    panel.cancel_button.click()
    wait_finished(qtbot, screen, 2)
    assert running.state is JobState.CANCELLED and queued.state is JobState.CANCELLED
    held = len(main_window.archive.instance_uids(ct.StudyInstanceUID))
    assert 20 <= held < len(ct_files)
    qtbot.waitUntil(lambda: "are kept" in panel.message_label.text(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: result_texts(screen, 0)["In archive"] == f"partial ({held}/{len(ct_files)})",
                    timeout=WAIT_MS)

    panel.jobs_view.selectRow(panel.jobs.row_of(running))
    panel.resume_button.click()
    resumed = panel.jobs.rows[panel.jobs_view.currentIndex().row()].job
    assert resumed is not running
    wait_finished(qtbot, screen, 2)
    assert resumed.state is JobState.DONE, resumed.error
    assert resumed.report.already_present == held and resumed.report.received_instances == len(ct_files) - held
    assert len(main_window.archive.instance_uids(ct.StudyInstanceUID)) == len(ct_files)
    assert panel.jobs.rowCount() == 2  # the resumed job took the cancelled one's row
    qtbot.waitUntil(lambda: result_texts(screen, 0)["In archive"] == "yes", timeout=WAIT_MS)


def test_a_stopped_pacs_gives_messages_in_the_panel(qtbot, main_window: MainWindow, install_pacs_page):
    dead = PacsNode(name="down", aet="NOBODY", host="127.0.0.1", port=free_port(), connect_timeout=2)
    screen = install_pacs_page(dead)
    search(qtbot, screen, patient_id="123")
    text = screen.panel.message_label.text()
    assert text.startswith("Search failed:") and "down" in text and "Traceback" not in text
    search(qtbot, screen, date_from="soon")
    assert "YYYY-MM-DD" in screen.panel.message_label.text()
    study = RemoteStudy("1.2.3.4", "123", "", "Doe^Jane", "", "20240101", "", "A1", "CT chest", ("CT",), 1, 10)
    screen.panel.results.set_results([SearchResult(study, 0)])
    screen.panel.results_view.selectRow(0)
    qtbot.keyClick(screen.panel.results_view, Qt.Key.Key_Return)
    wait_finished(qtbot, screen, 1)
    job = screen.panel.jobs.rows[0].job
    assert job.state is JobState.FAILED
    qtbot.waitUntil(lambda: screen.panel.jobs.data(screen.panel.jobs.index(0, 7)) == job.error, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "failed:" in screen.panel.message_label.text(), timeout=WAIT_MS)
    text = screen.panel.message_label.text()
    assert text.startswith("Retrieve of Doe Jane · 2024-01-01 · CT chest failed:") and "Resume" in text


def test_a_slow_pacs_never_blocks_the_window(qtbot, main_window: MainWindow, install_pacs_page, fake_pacs, ct_files):
    server = fake_pacs(ct_files[:1], find_delay=3.0)
    screen = install_pacs_page(server.node(network_timeout=1.5))
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(50)
    started = time.monotonic()
    search(qtbot, screen, patient_id="x")
    timer.stop()
    assert "Search failed" in screen.panel.message_label.text()
    text = screen.panel.message_label.text()
    assert "no reply within" in text or "stopped answering" in text
    gaps = [later - earlier for earlier, later in zip([started, *ticks], ticks)]
    assert len(ticks) >= 15 and max(gaps) < 0.5  # the event loop kept turning while the PACS was silent


def test_a_busy_storage_port_says_c_move_is_off(qtbot, main_window: MainWindow, install_pacs_page):
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        screen = install_pacs_page(local_node=LocalNode(storage_port=taken.getsockname()[1]))
        assert screen.panel.storage_label.text().startswith("C-MOVE is off")
        assert "No PACS node is configured" in screen.panel.message_label.text()


def test_prefetch_fetches_the_next_exam_and_its_priors(qtbot, main_window: MainWindow, install_pacs_page,
                                                       pacs, prior_files):
    screen = install_pacs_page(pacs.node(method="web"))
    header = study_of(prior_files[-1])
    screen.prefetch_study(str(header.StudyInstanceUID))
    wait_finished(qtbot, screen, 2)
    assert {row.job.state for row in screen.panel.jobs.rows} == {JobState.DONE}
    assert len(main_window.archive.studies(str(header.PatientID))) == 2
    kinds = {screen.panel.jobs.index(row, 2).data() for row in range(screen.panel.jobs.rowCount())}
    assert kinds == {"next exam", "prior"}  # queued behind any study the reader opens meanwhile


def test_prefetch_uses_the_worklists_pacs_node_and_never_raises(qtbot, main_window: MainWindow, install_pacs_page,
                                                                pacs):
    screen = install_pacs_page(pacs.node(name="first", method="web"), pacs.node(name="second", method="get"))
    assert screen.prefetch_node() == "first"
    main_window.worklist_dock = SimpleNamespace(config=SimpleNamespace(pacs_node="unknown"))
    screen.prefetch_study("1.2.3")
    assert "Prefetching the next exam failed" in main_window.statusBar().currentMessage()
    assert "unknown" in main_window.statusBar().currentMessage() and screen.panel.jobs.rowCount() == 0


def test_f4_from_the_reading_screen_of_the_full_window(qtbot, workstation_home, demo_archive_template, local, tmp_path):
    shutil.copytree(demo_archive_template, archive_folder())
    archive = Archive(archive_folder())
    window = build_main_window(archive)
    qtbot.addWidget(window)
    service = PacsService(archive, PacsSettings(local=local), Outbox(tmp_path / "outbox")).start()
    screen = install_pacs(window, service)
    assert "pacs.show" in window.reading_screen.registry
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    window.pages.setCurrentWidget(window.reading_screen)
    window.reading_screen.setFocus()
    qtbot.keyClick(window.reading_screen, Qt.Key.Key_F4)
    assert window.pages.currentWidget() is screen.panel
    window.close()
    assert service.storage_scp is None  # closing the window stopped the service
    archive.close()


def test_an_empty_archive_opens_on_the_pacs_listing(qtbot, workstation_home, local, pacs, tmp_path):
    archive = Archive(archive_folder())
    window = MainWindow(archive)
    qtbot.addWidget(window)
    window.show()
    service = PacsService(archive, PacsSettings(local=local, nodes=(pacs.node(method="web"),)),
                          Outbox(tmp_path / "outbox")).start()
    screen = install_pacs(window, service)
    qtbot.waitUntil(lambda: screen.panel.results.rowCount() > 0, timeout=WAIT_MS)
    assert window.pages.currentWidget() is screen.panel
    assert {result.in_archive for result in screen.panel.results.results} == {"no"}
    assert "studies found" in screen.panel.message_label.text()
    window.close()
    archive.close()
