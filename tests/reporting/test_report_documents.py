"""The signed report's PDF (rendered with poppler), Encapsulated PDF, Basic Text SR (checked by DCMTK) and KOS, ORU."""

import io
import subprocess

import hl7
import numpy as np
import pydicom
from PIL import Image

from tests.reporting.report_factory import EXAM, key_image, make_report
from workstation.reporting.dicom_documents import (
    BASIC_TEXT_SR_STORAGE, ENCAPSULATED_PDF_STORAGE, KEY_OBJECT_SELECTION_STORAGE, basic_text_sr, encapsulated_pdf,
    key_object_selection,
)
from workstation.reporting.oru import oru_control_id, oru_r01
from workstation.reporting.pdf_layout import ReportHeader, render_report_pdf
from workstation.reporting.report import SignatureKind
from workstation.reporting.signing import add_addendum, sign


def _final():
    return sign(make_report().with_key_image(key_image(1)).with_key_image(key_image(2)), "Senior^Sam",
                SignatureKind.FINAL, now=1_795_600_000)


def test_pdf_has_header_patient_exam_sections_and_signature(tmp_path):
    report = add_addendum(_final(), "Nodule is in the right lower lobe.", "Senior^Sam")
    pdf = render_report_pdf(report, ReportHeader("St. Example Hospital", "Department of Radiology"))
    (tmp_path / "report.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "report.pdf"), "-"], capture_output=True,
                          text=True, check=True, timeout=30).stdout
    for expected in ("St. Example Hospital", "Müller, Zoë", "PAT-7", "1961-03-04", "CT chest with contrast",
                     "ACC-2026-0042", "Findings", "8 mm nodule in the right upper lobe", "Impression",
                     "Indeterminate 8 mm nodule.", "Signed (final): Senior, Sam", "Addendum 1", "right lower lobe"):
        assert expected in text, expected
    assert text.index("Findings") < text.index("Impression") < text.index("Signed (final)") < text.index("Addendum 1")
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-singlefile", str(tmp_path / "report.pdf"), str(tmp_path / "page")],
                   check=True, timeout=30)
    page = np.asarray(Image.open(tmp_path / "page.png").convert("L"))
    assert page.shape == (585, 414)  # A4 at 50 dpi
    inked_rows = np.flatnonzero((page < 128).any(axis=1))
    assert inked_rows[0] < 60 and 200 < inked_rows[-1] < 585  # header at the top, text down the page


def test_encapsulated_pdf_object():
    report = _final()
    pdf = render_report_pdf(report)
    dataset = pydicom.dcmread(io.BytesIO(encapsulated_pdf(report, pdf)))
    assert dataset.SOPClassUID == ENCAPSULATED_PDF_STORAGE and dataset.Modality == "DOC"
    assert dataset.MIMETypeOfEncapsulatedDocument == "application/pdf"
    assert dataset.EncapsulatedDocument[:dataset.EncapsulatedDocumentLength] == pdf
    assert dataset.StudyInstanceUID == EXAM.study_instance_uid and dataset.AccessionNumber == EXAM.accession_number
    assert str(dataset.PatientName) == "Müller^Zoë"
    again = pydicom.dcmread(io.BytesIO(encapsulated_pdf(report, pdf)))
    assert again.SOPInstanceUID == dataset.SOPInstanceUID  # the same version never makes a second object


def test_basic_text_sr_is_valid_for_dcmtk(tmp_path):
    report = _final()
    path = tmp_path / "sr.dcm"
    path.write_bytes(basic_text_sr(report))
    dataset = pydicom.dcmread(path)
    assert dataset.SOPClassUID == BASIC_TEXT_SR_STORAGE
    assert (dataset.CompletionFlag, dataset.VerificationFlag) == ("COMPLETE", "VERIFIED")
    assert dataset.VerifyingObserverSequence[0].VerifyingObserverName == "Senior^Sam"
    texts = {item.ConceptNameCodeSequence[0].CodeMeaning: item.ContentSequence[0].TextValue
             for item in dataset.ContentSequence}
    assert texts["Impressions"] == "Indeterminate 8 mm nodule." and "upper lobe" in texts["Findings"]
    dump = subprocess.run(["dsrdump", "-Ee", str(path)], capture_output=True, text=True, timeout=30)
    assert dump.returncode == 0 and "Error" not in dump.stderr + dump.stdout, dump.stderr
    assert "Impressions" in dump.stdout and "Indeterminate 8 mm nodule." in dump.stdout


def test_preliminary_sr_is_unverified():
    dataset = pydicom.dcmread(io.BytesIO(basic_text_sr(sign(make_report(), "resident.rui", SignatureKind.PRELIMINARY))))
    assert (dataset.CompletionFlag, dataset.VerificationFlag) == ("PARTIAL", "UNVERIFIED")
    assert "VerifyingObserverSequence" not in dataset


def test_key_object_selection_references_the_flagged_images(tmp_path):
    path = tmp_path / "kos.dcm"
    path.write_bytes(key_object_selection(_final()))
    dataset = pydicom.dcmread(path)
    assert dataset.SOPClassUID == KEY_OBJECT_SELECTION_STORAGE and dataset.Modality == "KO"
    referenced = [item.ReferencedSOPSequence[0].ReferencedSOPInstanceUID for item in dataset.ContentSequence]
    assert referenced == [key_image(1).sop_instance_uid, key_image(2).sop_instance_uid]
    evidence = dataset.CurrentRequestedProcedureEvidenceSequence[0]
    assert evidence.StudyInstanceUID == EXAM.study_instance_uid
    assert len(evidence.ReferencedSeriesSequence[0].ReferencedSOPSequence) == 2
    dump = subprocess.run(["dsrdump", "-Ee", str(path)], capture_output=True, text=True, timeout=30)
    assert dump.returncode == 0 and "Error" not in dump.stderr + dump.stdout, dump.stderr


def test_oru_r01_fields():
    report = add_addendum(_final(), "Also: small hiatus hernia | incidental.", "Senior^Sam")
    message = hl7.parse(oru_r01(report))
    assert str(message.segment("MSH")[9]) == "ORU^R01" and str(message.segment("MSH")[10]) == oru_control_id(report)
    assert str(message.segment("PID")[3]) == "PAT-7" and str(message.segment("PID")[5]) == "Müller^Zoë"
    obr = message.segment("OBR")
    assert str(obr[2]) == EXAM.accession_number and str(obr[25]) == "F" and str(obr[32]) == "Senior^Sam"
    lines = [str(segment[5]) for segment in message.segments("OBX")]
    assert "IMPRESSION:" in lines and "Indeterminate 8 mm nodule." in lines
    assert "Also: small hiatus hernia \\F\\ incidental." in lines
    assert oru_control_id(report) != oru_control_id(_final())
