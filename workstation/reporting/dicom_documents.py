"""The signed report as DICOM: Encapsulated PDF, Basic Text SR and the Key Object Selection of its key images.

UIDs derive from the report id, version and document kind, so building the same signed version again gives
the same objects: queueing them twice can never store two copies on the PACS.
"""

from __future__ import annotations

import io
import time

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filewriter import dcmwrite
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, PYDICOM_IMPLEMENTATION_UID, generate_uid

from workstation import __version__
from workstation.reporting.report import Report, ReportStatus, SignatureKind

ENCAPSULATED_PDF_STORAGE = "1.2.840.10008.5.1.4.1.1.104.1"
BASIC_TEXT_SR_STORAGE = "1.2.840.10008.5.1.4.1.1.88.11"
KEY_OBJECT_SELECTION_STORAGE = "1.2.840.10008.5.1.4.1.1.88.59"

REPORT_TITLE = ("18748-4", "LN", "Diagnostic Imaging Report")
SECTION_CODES = {
    "clinical information": ("121060", "DCM", "History"),
    "technique": ("121064", "DCM", "Current Procedure Descriptions"),
    "comparison": ("121066", "DCM", "Prior Procedure Descriptions"),
    "findings": ("121070", "DCM", "Findings"),
    "impression": ("121072", "DCM", "Impressions"),
}
ADDENDUM_CODE = ("121106", "DCM", "Comment")
OTHER_SECTION_CODE = ("121070", "DCM", "Findings")
KEY_IMAGES_TITLE = ("113000", "DCM", "Of Interest")
SERIES_NUMBERS = {"pdf": 9001, "sr": 9002, "kos": 9003}


def _uid(report: Report, *parts: object) -> str:
    return generate_uid(entropy_srcs=[report.report_id, report.exam.accession_number, *map(str, parts)])


def _code(value: tuple[str, str, str]) -> Dataset:
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value
    return item


def study_instance_uid(report: Report) -> str:
    """The exam's Study Instance UID; an exam without one gets a stable UID from its accession number."""
    return report.exam.study_instance_uid or generate_uid(entropy_srcs=["study", report.exam.accession_number])


def _signed_at(report: Report) -> float:
    stamps = [signature.signed_at for signature in report.signatures] + [a.signature.signed_at for a in report.addenda]
    return max(stamps, default=time.time())


def _base(report: Report, kind: str, sop_class_uid: str, modality: str, instance_part: object) -> Dataset:
    exam = report.exam
    dataset = Dataset()
    dataset.SpecificCharacterSet = "ISO_IR 192"
    dataset.SOPClassUID = sop_class_uid
    dataset.SOPInstanceUID = _uid(report, kind, instance_part)
    dataset.PatientName = exam.patient_name
    dataset.PatientID = exam.patient_id
    if exam.issuer_of_patient_id:
        dataset.IssuerOfPatientID = exam.issuer_of_patient_id
    dataset.PatientBirthDate = exam.patient_birth_date
    dataset.PatientSex = exam.patient_sex
    dataset.StudyInstanceUID = study_instance_uid(report)
    dataset.StudyDate, dataset.StudyTime = exam.study_date, exam.study_time
    dataset.StudyID = exam.study_id
    dataset.AccessionNumber = exam.accession_number
    dataset.ReferringPhysicianName = exam.referring_physician
    dataset.StudyDescription = exam.procedure
    dataset.Modality = modality
    dataset.SeriesInstanceUID = _uid(report, kind, "series")
    dataset.SeriesNumber = SERIES_NUMBERS[kind]
    dataset.SeriesDescription = {"pdf": "Report (PDF)", "sr": "Report", "kos": "Key images"}[kind]
    dataset.InstanceNumber = report.version
    dataset.Manufacturer = "workstation"
    dataset.SoftwareVersions = __version__
    moment = time.localtime(_signed_at(report))
    dataset.ContentDate = time.strftime("%Y%m%d", moment)
    dataset.ContentTime = time.strftime("%H%M%S", moment)
    dataset.InstanceCreationDate, dataset.InstanceCreationTime = dataset.ContentDate, dataset.ContentTime
    return dataset


def _part10(dataset: Dataset) -> bytes:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = dataset.SOPClassUID
    meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    dataset.file_meta = meta
    buffer = io.BytesIO()
    dcmwrite(buffer, dataset, enforce_file_format=True)
    return buffer.getvalue()


def encapsulated_pdf(report: Report, pdf: bytes) -> bytes:
    """Encapsulated PDF Storage object holding the report's PDF (one per signed version)."""
    dataset = _base(report, "pdf", ENCAPSULATED_PDF_STORAGE, "DOC", report.version)
    dataset.ConversionType = "WSD"
    dataset.BurnedInAnnotation = "YES"
    dataset.DocumentTitle = f"{report.exam.procedure or 'Radiology'} report"
    dataset.ConceptNameCodeSequence = Sequence([_code(REPORT_TITLE)])
    dataset.AcquisitionDateTime = dataset.ContentDate + dataset.ContentTime
    dataset.MIMETypeOfEncapsulatedDocument = "application/pdf"
    dataset.EncapsulatedDocumentLength = len(pdf)
    dataset.EncapsulatedDocument = pdf + (b"\0" if len(pdf) % 2 else b"")
    return _part10(dataset)


def _text_item(concept: tuple[str, str, str], text: str) -> Dataset:
    item = Dataset()
    item.RelationshipType = "CONTAINS"
    item.ValueType = "TEXT"
    item.ConceptNameCodeSequence = Sequence([_code(concept)])
    item.TextValue = text
    return item


def _container(concept: tuple[str, str, str], children: list[Dataset], relationship: str | None = "CONTAINS") -> Dataset:
    item = Dataset()
    if relationship:
        item.RelationshipType = relationship
    item.ValueType = "CONTAINER"
    item.ConceptNameCodeSequence = Sequence([_code(concept)])
    item.ContinuityOfContent = "SEPARATE"
    item.ContentSequence = Sequence(children)
    return item


def basic_text_sr(report: Report) -> bytes:
    """Basic Text SR with one container per report section (and the addenda), verified when final."""
    dataset = _base(report, "sr", BASIC_TEXT_SR_STORAGE, "SR", report.version)
    sections = []
    for section in report.sections:
        if section.text.strip():
            code = SECTION_CODES.get(section.name.lower(), OTHER_SECTION_CODE)
            sections.append(_container(code, [_text_item(code, section.text.strip())]))
    for addendum in report.addenda:
        sections.append(_container(ADDENDUM_CODE, [_text_item(ADDENDUM_CODE, addendum.text)]))
    root = _container(REPORT_TITLE, sections, relationship=None)
    for keyword in ("ValueType", "ConceptNameCodeSequence", "ContinuityOfContent", "ContentSequence"):
        setattr(dataset, keyword, getattr(root, keyword))
    final = report.status is ReportStatus.FINAL
    dataset.CompletionFlag = "COMPLETE" if final else "PARTIAL"
    dataset.VerificationFlag = "VERIFIED" if final else "UNVERIFIED"
    if final:
        observers = []
        for signature in report.signatures:
            if signature.kind is SignatureKind.FINAL:
                observer = Dataset()
                observer.VerifyingObserverName = signature.signer
                observer.VerificationDateTime = time.strftime("%Y%m%d%H%M%S", time.localtime(signature.signed_at))
                observer.VerifyingOrganization = "Radiology"
                observer.VerifyingObserverIdentificationCodeSequence = Sequence([])
                observers.append(observer)
        dataset.VerifyingObserverSequence = Sequence(observers)
    dataset.PerformedProcedureCodeSequence = Sequence([])
    dataset.ReferencedRequestSequence = Sequence([_request(report)])
    return _part10(dataset)


def _request(report: Report) -> Dataset:
    request = Dataset()
    request.StudyInstanceUID = study_instance_uid(report)
    request.AccessionNumber = report.exam.accession_number
    request.ReferencedStudySequence = Sequence([])
    request.RequestedProcedureDescription = report.exam.procedure
    request.RequestedProcedureCodeSequence = Sequence([])
    request.RequestedProcedureID = report.exam.accession_number
    request.PlacerOrderNumberImagingServiceRequest = report.exam.accession_number
    request.FillerOrderNumberImagingServiceRequest = report.exam.accession_number
    return request


def key_object_selection(report: Report) -> bytes:
    """Key Object Selection ("Of Interest") referencing the flagged images of this exam."""
    if not report.key_images:
        raise ValueError("no key images flagged")
    dataset = _base(report, "kos", KEY_OBJECT_SELECTION_STORAGE, "KO", "kos")
    dataset.InstanceNumber = 1
    dataset.ValueType = "CONTAINER"
    dataset.ConceptNameCodeSequence = Sequence([_code(KEY_IMAGES_TITLE)])
    dataset.ContinuityOfContent = "SEPARATE"
    template = Dataset()
    template.MappingResource, template.TemplateIdentifier = "DCMR", "2010"
    dataset.ContentTemplateSequence = Sequence([template])
    items = []
    by_series: dict[str, list[Dataset]] = {}
    for image in report.key_images:
        reference = Dataset()
        reference.ReferencedSOPClassUID = image.sop_class_uid
        reference.ReferencedSOPInstanceUID = image.sop_instance_uid
        if image.frame_number:
            reference.ReferencedFrameNumber = image.frame_number
        item = Dataset()
        item.RelationshipType = "CONTAINS"
        item.ValueType = "IMAGE"
        item.ReferencedSOPSequence = Sequence([reference])
        items.append(item)
        series_reference = Dataset()
        series_reference.ReferencedSOPClassUID = image.sop_class_uid
        series_reference.ReferencedSOPInstanceUID = image.sop_instance_uid
        by_series.setdefault(image.series_instance_uid, []).append(series_reference)
    dataset.ContentSequence = Sequence(items)
    study = Dataset()
    study.StudyInstanceUID = study_instance_uid(report)
    series_items = []
    for series_uid, references in by_series.items():
        series = Dataset()
        series.SeriesInstanceUID = series_uid
        series.ReferencedSOPSequence = Sequence(references)
        series_items.append(series)
    study.ReferencedSeriesSequence = Sequence(series_items)
    dataset.CurrentRequestedProcedureEvidenceSequence = Sequence([study])
    dataset.ReferencedPerformedProcedureStepSequence = Sequence([])
    return _part10(dataset)
