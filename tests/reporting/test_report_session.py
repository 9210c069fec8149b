"""Reporting one exam without a display: template, transcript as findings, autosave and resume, sign, reopen."""

from dataclasses import replace

import pytest

from tests.reporting.report_factory import EXAM, key_image
from workstation.net.outbox import Outbox
from workstation.reporting.dictation import DictationStore
from workstation.reporting.outputs import ReportOutputs
from workstation.reporting.report import ReportStatus, SignatureKind
from workstation.reporting.report_session import ReportSession
from workstation.reporting.signing import SigningError
from workstation.reporting.transcription import TranscriptionQueue


@pytest.fixture
def outputs(tmp_path):
    return ReportOutputs(pacs_outbox=Outbox(tmp_path / "outbox"), pacs_node="pacs")


def test_new_report_from_template_with_the_transcribed_dictation(outputs):
    store = DictationStore()
    dictation = store.create(EXAM.accession_number, "dr.a")
    store.finish_take(store.begin_take(dictation.dictation_id) and dictation.dictation_id)
    TranscriptionQueue(store).complete(dictation.dictation_id, "Typed by the transcriptionist.")
    session = ReportSession(EXAM, "dr.a", outputs)
    assert session.report.template_id == "ct_chest"
    assert session.report.section_text("Findings") == "Typed by the transcriptionist."


def test_autosave_resume_sign_and_reopen(outputs):
    session = ReportSession(EXAM, "resident.r", outputs)
    session.set_section("Impression", "No embolism.")
    assert session.toggle_key_image(key_image(3))
    assert session.autosave() and not session.autosave()  # nothing new: no second write
    resumed = ReportSession(EXAM, "resident.r", outputs)  # e.g. after a crash
    assert resumed.report.report_id == session.report.report_id
    assert resumed.report.section_text("Impression") == "No embolism." and resumed.report.key_images == (key_image(3),)

    resumed.sign(SignatureKind.PRELIMINARY)
    senior = ReportSession(EXAM, "dr.senior", outputs)
    assert senior.report.status is ReportStatus.PRELIMINARY and senior.editable
    senior.set_section("Impression", "No pulmonary embolism.")
    delivery = senior.sign(SignatureKind.FINAL)
    assert {item.sop_instance_uid for item in outputs.pacs_outbox.unsent()} >= {delivery.pdf_uid, delivery.sr_uid,
                                                                               delivery.kos_uid}
    reopened = ReportSession(EXAM, "dr.senior", outputs)
    assert reopened.report.status is ReportStatus.FINAL and not reopened.editable
    assert [s.signer for s in reopened.report.signatures] == ["resident.r", "dr.senior"]
    with pytest.raises(SigningError):
        reopened.sign(SignatureKind.FINAL)
    reopened.add_addendum("Incidental thyroid nodule.")
    assert ReportSession(EXAM, "x", outputs).report.addenda[0].text == "Incidental thyroid nodule."


def test_other_exam_gets_its_own_report(outputs):
    first = ReportSession(EXAM, "dr.a", outputs)
    first.set_section("Impression", "x")
    first.autosave()
    other = ReportSession(replace(EXAM, accession_number="OTHER", modality="MR", procedure="MR brain"), "dr.a", outputs)
    assert other.report.report_id != first.report.report_id and other.report.template_id == "mr_brain"
