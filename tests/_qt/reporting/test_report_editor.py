"""The report editor beside the images, driven by keys only: template, macro, measurements, key image,
autosave on focus change, sign final, addendum; dictation by toggle and push-to-talk; transcription queue."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import requests
from PySide6.QtCore import Qt

from tests.reporting.virtual_microphone import virtual_microphone  # noqa: F401 (fixture)
from workstation._qt.reading.reading_view import ReadingView
from workstation._qt.reporting.dock import install_report_editor
from workstation.demo.catalog import CHEST_CT_PRIOR, INSTITUTION_NAME
from workstation.dicom.reading import read_dataset
from workstation.net.orthanc_server import OrthancServer, free_port
from workstation.net.outbox import Outbox
from workstation.net.service import PacsService
from workstation.reporting.dictation import DictationStatus, DictationStore
from workstation.reporting.outputs import ReportOutputs
from workstation.reporting.report import Exam, Report, ReportStatus, Section, SignatureKind
from workstation.reporting.signing import SignedReports, sign
from workstation.settings.pacs_nodes import LocalNode, PacsSettings, save_pacs_settings
from workstation.viewer.measurements import Measurement

pytestmark = pytest.mark.gui
TIMEOUT_MS = 20_000
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def reporting(main_window, qtbot, tmp_path):
    reading = ReadingView(main_window.archive)
    main_window.install_reading_screen(reading)
    outputs = ReportOutputs(pacs_outbox=Outbox(tmp_path / "outbox"), pacs_node="pacs")
    dock = install_report_editor(main_window, author="Grey^Meredith", outputs=outputs)
    study = next(s for s in main_window.archive.studies() if s.accession_number == "DEMOA0102")
    main_window.open_study(study.study_instance_uid)
    qtbot.waitUntil(lambda: reading.session.active_viewport.stack is not None
                    and len(reading.session.active_viewport.stack) > 1, timeout=TIMEOUT_MS)
    yield dock
    dock.stop()


def test_report_written_and_signed_with_keys(reporting, main_window, qtbot, workstation_home):
    editor, reading = reporting.editor, main_window.reading_screen
    exam = editor.session.report.exam
    assert (exam.accession_number, exam.patient_birth_date, exam.patient_sex) == ("DEMOA0102", "19580214", "F")
    assert exam.institution_name == INSTITUTION_NAME and exam.modality == "CT"
    assert editor.session.report.template_id == "ct_chest" and "Lungs:" in editor.editors["Findings"].toPlainText()
    assert reporting.dock.isVisible()

    qtbot.keyClick(main_window, Qt.Key.Key_K, CTRL_SHIFT)
    viewport = reading.session.active_viewport
    shown = read_dataset(viewport.stack.sources[viewport.slice_index].path, header_only=True)
    assert [image.sop_instance_uid for image in editor.session.report.key_images] == [str(shown.SOPInstanceUID)]

    impression = editor.editors["Impression"]
    impression.setFocus()
    qtbot.keyClicks(impression, "Nodule. .nad")
    qtbot.keyClick(impression, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    assert impression.toPlainText() == "Nodule. No acute abnormality."

    stack = viewport.stack
    reading.session.measurements.add(Measurement("length", stack.uid, 0, ((10.0, 10.0), (50.0, 10.0))))
    findings = editor.editors["Findings"]
    findings.setFocus()  # focus leaves the impression: the draft is saved at once
    drafts = list((workstation_home / "reports" / "drafts").glob("*.json"))
    assert len(drafts) == 1 and "No acute abnormality." in drafts[0].read_text()
    findings.moveCursor(findings.textCursor().MoveOperation.End)
    qtbot.keyClick(main_window, Qt.Key.Key_M, CTRL_SHIFT)
    expected_mm = 40 * stack.planes[0].column_spacing
    assert f"Length {expected_mm:.1f} mm (series" in findings.toPlainText()
    assert findings.toPlainText().rstrip().endswith("image 1)")

    qtbot.keyClick(main_window, Qt.Key.Key_F, CTRL_SHIFT)
    report = editor.session.report
    assert report.status is ReportStatus.FINAL and report.signatures[-1].signer == "Grey^Meredith"
    assert editor.editors["Impression"].isReadOnly() and editor.addendum.isVisible()
    assert len(reporting.outputs.pacs_outbox.unsent()) == 3  # PDF, SR, key images
    assert not list((workstation_home / "reports" / "drafts").glob("*.json"))
    assert "queued for sending" in main_window.statusBar().currentMessage()

    editor.addendum.setFocus()
    qtbot.keyClicks(editor.addendum, "Compared with outside CT: stable.")
    qtbot.keyClick(main_window, Qt.Key.Key_A, CTRL_SHIFT)
    assert editor.session.report.version == 2 and editor.session.report.addenda[0].text.endswith("stable.")
    assert len(reporting.outputs.pacs_outbox.unsent()) == 5


def test_signing_without_impression_says_why(reporting, main_window, qtbot):
    reporting.editor.editors["Impression"].clear()
    qtbot.keyClick(main_window, Qt.Key.Key_F, CTRL_SHIFT)
    assert reporting.editor.session.report.status is ReportStatus.DRAFT
    assert "impression is empty" in main_window.statusBar().currentMessage()


def _wait_recorded(qtbot, controls, frames):
    qtbot.waitUntil(lambda: controls.recorder.recorded_frames >= frames, timeout=TIMEOUT_MS)


def test_dictate_by_toggle_and_push_to_talk_then_transcribe(reporting, main_window, qtbot, virtual_microphone):
    qtbot.keyClick(main_window, Qt.Key.Key_F9)
    controls = reporting.editor.session.controls
    assert controls is not None and controls.recording
    _wait_recorded(qtbot, controls, 8000)
    qtbot.waitUntil(lambda: reporting.editor.dictation_bar.meter.value() > 20, timeout=TIMEOUT_MS)
    qtbot.keyClick(main_window, Qt.Key.Key_F9)
    first = controls.dictation.frames
    assert not controls.recording and first >= 8000

    qtbot.keyPress(main_window, Qt.Key.Key_F10)
    assert controls.recording
    _wait_recorded(qtbot, controls, 4000)
    qtbot.keyRelease(main_window, Qt.Key.Key_F10)
    assert not controls.recording and controls.dictation.frames >= first + 4000
    dictation_id = controls.dictation.dictation_id
    assert reporting.editor.session.report.dictation_ids == (dictation_id,)
    assert DictationStore().get(dictation_id).status is DictationStatus.PENDING_TRANSCRIPTION

    qtbot.keyClick(main_window, Qt.Key.Key_T, CTRL_SHIFT)
    view = reporting.transcription
    assert reporting.transcription_dock.isVisible() and view.pending.count() == 1
    assert view.controls.dictation.dictation_id == dictation_id
    view.text.setFocus()
    qtbot.keyClicks(view.text, "No pneumothorax.")
    qtbot.keyClick(main_window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert DictationStore().get(dictation_id).status is DictationStatus.TRANSCRIBED
    assert DictationStore().get(dictation_id).transcript == "No pneumothorax." and view.pending.count() == 0


def test_cut_off_dictation_is_offered_and_recovered_by_key(main_window, qtbot, tmp_path):
    store = DictationStore()
    dictation = store.create("DEMOA0102", "Grey^Meredith")
    journal = store.begin_take(dictation.dictation_id)
    journal.append(np.arange(1600, dtype=np.int16))
    journal.close()  # the workstation died mid-dictation
    dock = install_report_editor(main_window, author="Grey^Meredith",
                                 outputs=ReportOutputs(pacs_outbox=Outbox(tmp_path / "outbox"), pacs_node="pacs"))
    try:
        assert "1 dictation(s) were cut off" in main_window.statusBar().currentMessage()
        assert "Ctrl+Shift+R" in main_window.statusBar().currentMessage()
        qtbot.keyClick(main_window, Qt.Key.Key_R, CTRL_SHIFT)
        assert store.unfinished() == [] and store.get(dictation.dictation_id).frames == 1600
        assert "Recovered 1 dictation(s)" in main_window.statusBar().currentMessage()
    finally:
        dock.stop()


def test_prior_report_shown_and_draft_saved_by_the_timer(main_window, qtbot, tmp_path, workstation_home):
    prior_exam = Exam(accession_number=CHEST_CT_PRIOR.accession_number, patient_id=CHEST_CT_PRIOR.patient.patient_id,
                      study_date=CHEST_CT_PRIOR.study_date, modality="CT", procedure="CT Chest")
    prior = Report.new(prior_exam, "dr.before", (Section("Impression", "Stable 5 mm nodule."),))
    SignedReports().store(sign(prior, "dr.before", SignatureKind.FINAL))
    main_window.install_reading_screen(ReadingView(main_window.archive))
    dock = install_report_editor(main_window, author="Grey^Meredith",
                                 outputs=ReportOutputs(pacs_outbox=Outbox(tmp_path / "outbox"), pacs_node="pacs"))
    try:
        dock.editor.autosave_timer.setInterval(100)
        study = next(s for s in main_window.archive.studies() if s.accession_number == "DEMOA0102")
        main_window.open_study(study.study_instance_uid)
        assert "Stable 5 mm nodule." in dock.editor.priors.toPlainText()
        impression = dock.editor.editors["Impression"]
        impression.setFocus()
        qtbot.keyClicks(impression, "Typed, focus kept.")
        drafts = workstation_home / "reports" / "drafts"
        qtbot.waitUntil(lambda: any("focus kept" in path.read_text() for path in drafts.glob("*.json")), timeout=5000)
        assert impression.hasFocus()
    finally:
        dock.stop()


@pytest.mark.parametrize("sender", ["own", "pacs service"])
def test_signed_in_the_window_lands_on_the_configured_pacs(main_window, qtbot, tmp_path, sender):
    server = OrthancServer(folder=tmp_path / "orthanc", dicom_port=free_port(), http_port=free_port()).start()
    service = None
    try:
        settings = PacsSettings(local=LocalNode(storage_port=free_port()), nodes=(server.node(name="pacs"),))
        save_pacs_settings(settings)
        if sender == "pacs service":  # the PACS page's service (window.pacs_screen.service) sends for everyone
            service = PacsService(main_window.archive, settings, Outbox(tmp_path / "service-outbox")).start()
            main_window.pacs_screen = SimpleNamespace(service=service)
        main_window.install_reading_screen(ReadingView(main_window.archive))
        dock = install_report_editor(main_window, author="Grey^Meredith")
        assert (dock.sender is None) == (service is not None)  # one sender per outbox
        try:
            study = next(s for s in main_window.archive.studies() if s.accession_number == "DEMOA0302")
            main_window.open_study(study.study_instance_uid)
            assert dock.editor.session.report.template_id == "xr_chest"
            impression = dock.editor.editors["Impression"]
            impression.setFocus()
            qtbot.keyClicks(impression, "No acute cardiopulmonary abnormality.")
            qtbot.keyClick(main_window, Qt.Key.Key_F, CTRL_SHIFT)
            qtbot.waitUntil(lambda: server.instance_count() == 2, timeout=TIMEOUT_MS)
            delivery = dock.editor.session.last_delivery
            qtbot.waitUntil(lambda: not dock.outputs.pacs_outbox.unsent(), timeout=TIMEOUT_MS)
            found = requests.post(f"{server.base_url}/tools/find", timeout=10, json={
                "Level": "Instance", "Query": {"SOPInstanceUID": delivery.sr_uid}}).json()
            assert len(found) == 1
        finally:
            dock.stop()
    finally:
        if service is not None:
            service.stop()
        server.stop()
