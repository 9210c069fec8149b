"""De-identified export: the Basic Application Level Confidentiality Profile, UIDs and dates consistent."""

from __future__ import annotations

import zipfile
from datetime import datetime
from io import BytesIO

import pytest
from pydicom import Dataset, dcmread
from pydicom.dataset import FileMetaDataset
from pydicom.fileset import FileSet
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from workstation.security.deidentify import DeidentificationKey, deidentify_dataset, export_deidentified

CT_FILES = "ct_volume/pancreatic_ct_cbct_seg_philips_ct/dicom"
MR_WITH_OVERLAY = "mixed/pydicom-data/MR-SIEMENS-DICOM-WithOverlays.dcm"

# From PS3.15 Table E.1-1 (Basic Profile action X, Z or D), written out here rather than taken from the code
IDENTIFYING = (
    "AccessionNumber", "InstitutionName", "InstitutionAddress", "ReferringPhysicianName", "StationName",
    "StudyDescription", "SeriesDescription", "InstitutionalDepartmentName", "PhysiciansOfRecord",
    "PerformingPhysicianName", "NameOfPhysiciansReadingStudy", "OperatorsName", "AdmittingDiagnosesDescription",
    "PatientBirthDate", "PatientBirthTime", "PatientSex", "OtherPatientIDs", "OtherPatientNames", "PatientAge",
    "PatientSize", "PatientWeight", "PatientAddress", "PatientMotherBirthName", "MilitaryRank", "EthnicGroup",
    "Occupation", "AdditionalPatientHistory", "PatientComments", "PatientTelephoneNumbers", "DeviceSerialNumber",
    "ProtocolName", "RequestingPhysician", "RequestAttributesSequence", "ImageComments",
    "PerformedProcedureStepDescription", "IssuerOfPatientID", "ReferencedPatientSequence", "MedicalRecordLocator",
)


def identified_image(study_uid: str, series_uid: str) -> Dataset:
    """A synthetic CT header full of identifying data, private tags and names in sequences."""
    dataset = Dataset()
    dataset.file_meta = FileMetaDataset()
    dataset.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    dataset.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    dataset.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    dataset.SOPInstanceUID = generate_uid()
    dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
    dataset.StudyInstanceUID, dataset.SeriesInstanceUID = study_uid, series_uid
    dataset.FrameOfReferenceUID = "1.2.826.0.1.3680043.2.1125.99"
    dataset.Modality = "CT"
    dataset.PatientName, dataset.PatientID = "Doe^Jane", "MRN-4711"
    dataset.PatientBirthDate, dataset.PatientSex, dataset.PatientAge = "19610412", "F", "064Y"
    dataset.PatientAddress, dataset.PatientTelephoneNumbers = "1 Main St, Springfield", "555-0100"
    dataset.OtherPatientIDs, dataset.IssuerOfPatientID = "OLD-1", "HOSPITAL-A"
    dataset.AccessionNumber, dataset.StudyID = "ACC-99", "77"
    dataset.StudyDate, dataset.SeriesDate, dataset.StudyTime = "20250301", "20250301", "101500"
    dataset.AcquisitionDateTime = "20250301101700.000000"
    dataset.InstitutionName, dataset.StationName = "Springfield General", "CT-ROOM-2"
    dataset.ReferringPhysicianName, dataset.OperatorsName = "Hibbert^Julius", "Smithers^W"
    dataset.PerformingPhysicianName = "Riviera^Nick"
    dataset.StudyDescription, dataset.SeriesDescription = "CT chest for Jane Doe", "Axial"
    dataset.ProtocolName, dataset.DeviceSerialNumber = "CHEST JD", "SN-123"
    dataset.ImageComments = "patient Jane Doe anxious"
    request = Dataset()
    request.RequestedProcedureID = "RP-1"
    request.ScheduledProcedureStepID = "SPS-1"
    dataset.RequestAttributesSequence = Sequence([request])
    reference = Dataset()
    reference.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    reference.ReferencedSOPInstanceUID = "1.2.826.0.1.3680043.2.1125.42"
    observer = Dataset()
    observer.VerifyingObserverName = "House^Greg"
    observer.ObservationDateTime = "20250302090000"
    dataset.VerifyingObserverSequence = Sequence([observer])
    dataset.ReferencedImageSequence = Sequence([reference])
    block = dataset.private_block(0x0009, "ACME 1.0", create=True)
    block.add_new(0x01, "LO", "Jane Doe again")
    dataset.Rows = dataset.Columns = 2
    dataset.BitsAllocated, dataset.BitsStored, dataset.HighBit, dataset.PixelRepresentation = 16, 12, 11, 0
    dataset.SamplesPerPixel, dataset.PhotometricInterpretation = 1, "MONOCHROME2"
    dataset.PixelData = b"\0" * 8
    return dataset


def all_elements(dataset: Dataset):
    for element in dataset:
        yield element
        if element.VR == "SQ":
            for item in element.value:
                yield from all_elements(item)


def assert_clean(dataset: Dataset, original_uids: set[str], original_texts: tuple[str, ...]) -> None:
    for keyword in IDENTIFYING:
        assert not dataset.get(keyword), keyword
    for element in all_elements(dataset):
        assert element.tag.is_private is False, element
        if element.VR == "PN":
            assert element.keyword == "PatientName" and str(element.value) == "ANONYMIZED" or not element.value
        if element.VR == "UI":
            values = element.value if element.VM > 1 else [element.value]
            assert not set(map(str, values)) & original_uids, element
        text = str(element.value) if element.VR not in ("OB", "OW", "SQ") else ""
        assert not any(secret in text for secret in original_texts), element
    assert dataset.PatientIdentityRemoved == "YES"
    assert dataset.DeidentificationMethodCodeSequence[0].CodeValue == "113100"


def test_synthetic_header_keeps_none_of_the_profiles_identifying_attributes(tmp_path):
    key = DeidentificationKey(b"k" * 32)
    study, series = generate_uid(), generate_uid()
    images = [identified_image(study, series) for _ in range(2)]
    originals = {str(e.value) for image in images for e in all_elements(image) if e.VR == "UI"} - {
        "1.2.840.10008.5.1.4.1.1.2"}
    cleaned = [deidentify_dataset(image, key) for image in images]
    for dataset in cleaned:
        assert_clean(dataset, originals, ("Jane", "Doe", "MRN-4711", "Springfield", "ACC-99", "Hibbert", "House"))
        assert dataset.PatientID == key.patient_id("MRN-4711") and dataset.StudyID != "77"
        assert dataset.SOPClassUID == "1.2.840.10008.5.1.4.1.1.2"  # standard UIDs stay
    # one study and series stay one study and series; UIDs are the same on a second export
    assert cleaned[0].StudyInstanceUID == cleaned[1].StudyInstanceUID == key.uid(study)
    assert cleaned[0].SOPInstanceUID != cleaned[1].SOPInstanceUID
    assert cleaned[0].file_meta.MediaStorageSOPInstanceUID == cleaned[0].SOPInstanceUID
    # dates move by the patient's shift (the interval between them is kept), times stay
    shift = key.day_shift("MRN-4711")
    assert (datetime.strptime(cleaned[0].StudyDate, "%Y%m%d") - datetime(2025, 3, 1)).days == shift
    assert cleaned[0].AcquisitionDateTime[8:] == "101700.000000"
    observed = cleaned[0].VerifyingObserverSequence[0].ObservationDateTime[:8]
    assert (datetime.strptime(observed, "%Y%m%d") - datetime.strptime(cleaned[0].StudyDate, "%Y%m%d")).days == 1
    assert -3650 <= shift < 0


@pytest.mark.shared_data
@pytest.mark.parametrize("form", ["folder", "zip", "dicomdir"])
def test_real_scanner_files_export_as_folder_zip_or_dicomdir(shared_dicom, tmp_path, form):
    paths = sorted((shared_dicom / CT_FILES).glob("*.dcm"))[:3] + [shared_dicom / MR_WITH_OVERLAY]
    originals = [dcmread(path) for path in paths]
    original_uids = {str(e.value) for d in originals for e in all_elements(d) if e.VR == "UI"
                     and not str(e.value).startswith("1.2.840.10008.")}
    names = tuple({str(d.PatientName) for d in originals if str(d.PatientName)} |
                  {str(d.PatientID) for d in originals if str(d.PatientID)})
    key = DeidentificationKey(b"s" * 32)
    destination = tmp_path / ("out.zip" if form == "zip" else "out")

    report = export_deidentified(paths, destination, key, form)

    assert report.written == 4 and report.skipped == []
    if form == "zip":
        with zipfile.ZipFile(destination) as archive:
            written = [dcmread(BytesIO(archive.read(name))) for name in archive.namelist()]
    elif form == "dicomdir":
        written = [instance.load() for instance in FileSet(destination / "DICOMDIR")]
    else:
        written = [dcmread(path) for path in sorted(destination.iterdir())]
    assert len(written) == 4
    for dataset in written:
        assert_clean(dataset, original_uids, names)
        dataset.pixel_array  # pixels still decode
    ct = [d for d in written if d.Modality == "CT"]
    assert len({d.SeriesInstanceUID for d in ct}) == 1 and len({d.SOPInstanceUID for d in ct}) == 3
