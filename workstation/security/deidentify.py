"""De-identified copies: PS3.15 Annex E Basic Application Level Confidentiality Profile, with the
Retain Longitudinal Temporal Information with Modified Dates option (dates shifted per patient) and
consistent UID remapping; written to a folder, a ZIP file or a DICOMDIR medium.

The key (a random secret kept in ``<WORKSTATION_HOME>/deidentification.key``) makes the new UIDs, the
pseudonymous patient ID and the date shift the same on every export from this station, so two exports of
one patient still line up, while nothing of the original can be read back without the key.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from io import BytesIO
from pathlib import Path

from pydicom import Dataset
from pydicom.dataelem import DataElement
from pydicom.errors import InvalidDicomError
from pydicom.fileset import FileSet
from pydicom.sequence import Sequence

from workstation.core.atomic_file import write_atomically
from workstation.core.stored_file import dcmread_stored
from workstation.security.errors import SecurityError
from workstation.settings.home import workstation_home

log = logging.getLogger(__name__)

STANDARD_UID_ROOT = "1.2.840.10008."
PATIENT_NAME = "ANONYMIZED"

# Table E.1-1 attributes the Basic Profile removes (X) or empties (Z); UIDs (U), dates (modified),
# person names and private attributes are handled by VR in _clean below.
REMOVED = (
    "InstitutionName", "InstitutionAddress", "InstitutionCodeSequence", "InstitutionalDepartmentName",
    "StationName", "PhysiciansOfRecord", "PhysiciansOfRecordIdentificationSequence", "PerformingPhysicianName",
    "PerformingPhysicianIdentificationSequence", "NameOfPhysiciansReadingStudy",
    "PhysiciansReadingStudyIdentificationSequence", "OperatorsName", "OperatorIdentificationSequence",
    "ReferringPhysicianAddress", "ReferringPhysicianTelephoneNumbers", "ReferringPhysicianIdentificationSequence",
    "AdmittingDiagnosesDescription", "AdmittingDiagnosesCodeSequence", "IssuerOfPatientID",
    "IssuerOfPatientIDQualifiersSequence", "OtherPatientIDs", "OtherPatientIDsSequence", "OtherPatientNames",
    "PatientBirthName", "PatientBirthTime", "PatientAge", "PatientSize", "PatientWeight", "PatientAddress",
    "PatientMotherBirthName", "MilitaryRank", "BranchOfService", "MedicalRecordLocator", "MedicalAlerts",
    "Allergies", "CountryOfResidence", "RegionOfResidence", "PatientTelephoneNumbers", "EthnicGroup",
    "Occupation", "AdditionalPatientHistory", "PatientComments", "PatientReligiousPreference",
    "ResponsiblePerson", "ResponsibleOrganization", "PatientInsurancePlanCodeSequence",
    "PatientPrimaryLanguageCodeSequence", "PregnancyStatus", "SmokingStatus", "LastMenstrualDate",
    "DeviceSerialNumber", "StudyDescription", "SeriesDescription", "ProtocolName", "RequestingPhysician",
    "RequestingService", "RequestedProcedureDescription", "RequestAttributesSequence",
    "PerformedProcedureStepDescription", "PerformedProcedureStepID", "ScheduledProcedureStepDescription",
    "ImageComments", "FrameComments", "DerivationDescription", "ReferencedPatientSequence",
    "ReferencedStudySequence", "ReferencedPerformedProcedureStepSequence", "AdmissionID", "ServiceEpisodeID",
    "VisitComments", "CurrentPatientLocation", "PatientInstitutionResidence", "InterpretationText",
    "TextComments", "TextString", "AcquisitionComments", "ReasonForTheRequestedProcedure",
    "RequestedProcedureComments", "ImagingServiceRequestComments", "CommentsOnThePerformedProcedureStep",
    "DeviceUID", "PlateID", "CassetteID", "GantryID", "DetectorID", "InstanceCreatorUID",
    "ContributingEquipmentSequence", "ModifiedAttributesSequence", "OriginalAttributesSequence",
    "SourceImageSequence", "DigitalSignaturesSequence", "PatientIdentityRemoved",
)
EMPTIED = ("AccessionNumber", "PatientBirthDate", "PatientSex", "ReferringPhysicianName", "StudyID",
           "ContentCreatorName", "VerifyingObserverName", "PersonName", "FillerOrderNumberImagingServiceRequest",
           "PlacerOrderNumberImagingServiceRequest")


@dataclass(frozen=True)
class DeidentificationKey:
    secret: bytes

    @classmethod
    def for_station(cls, home: Path | None = None) -> "DeidentificationKey":
        path = (home or workstation_home()) / "deidentification.key"
        if not path.is_file():
            write_atomically(path, secrets.token_bytes(32))
            path.chmod(0o600)
        return cls(path.read_bytes())

    def _digest(self, kind: str, value: str) -> bytes:
        return hashlib.sha256(self.secret + kind.encode() + b"\0" + value.encode()).digest()

    def uid(self, original: str) -> str:
        """A 2.25 (UUID-derived) UID, the same for the same original UID and key."""
        return "2.25." + str(int.from_bytes(self._digest("uid", original)[:16], "big"))

    def patient_id(self, original: str) -> str:
        return "ANON-" + self._digest("patient", original).hex()[:12].upper()

    def day_shift(self, patient_id: str) -> int:
        """Days to move every date of this patient back by (1 to 3650), the same on every export."""
        return -(1 + int.from_bytes(self._digest("days", patient_id)[:4], "big") % 3650)


@dataclass
class DeidentificationReport:
    destination: Path
    written: int = 0
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def deidentify_dataset(dataset: Dataset, key: DeidentificationKey) -> Dataset:
    """The dataset cleaned in place (also returned): the profile's attributes, every UID, date and name."""
    original_patient_id = str(dataset.get("PatientID", ""))
    shift = timedelta(days=key.day_shift(original_patient_id))
    dataset.remove_private_tags()
    _clean(dataset, key, shift)
    dataset.PatientName = PATIENT_NAME
    dataset.PatientID = key.patient_id(original_patient_id)
    if "StudyInstanceUID" in dataset:  # Z allows a dummy value; a DICOMDIR's study record needs one
        dataset.StudyID = key.uid(str(dataset.StudyInstanceUID))[-8:]
    dataset.PatientIdentityRemoved = "YES"
    dataset.LongitudinalTemporalInformationModified = "MODIFIED"
    dataset.DeidentificationMethod = "Basic Profile; dates shifted; UIDs remapped"
    codes = []
    for value, meaning in (("113100", "Basic Application Confidentiality Profile"),
                           ("113107", "Retain Longitudinal Temporal Information Modified Dates Option")):
        code = Dataset()
        code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = value, "DCM", meaning
        codes.append(code)
    dataset.DeidentificationMethodCodeSequence = Sequence(codes)
    meta = getattr(dataset, "file_meta", None)
    if meta is not None and "MediaStorageSOPInstanceUID" in meta:
        meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
    return dataset


def _clean(dataset: Dataset, key: DeidentificationKey, shift: timedelta) -> None:
    for keyword in REMOVED:
        if keyword in dataset:
            delattr(dataset, keyword)
    for keyword in EMPTIED:
        if keyword in dataset:
            dataset[keyword].value = ""
    for element in list(dataset):
        if element.VR == "SQ":
            for item in element.value:
                _clean(item, key, shift)
        elif element.VR == "UI" and element.value:
            element.value = _remap(element, key)
        elif element.VR == "DA" and element.value:
            element.value = _shift_dates(element, shift)
        elif element.VR == "DT" and element.value:
            element.value = _shift_datetimes(element, shift)
        elif element.VR == "PN" and element.keyword != "PatientName":
            element.value = ""


def _values(element: DataElement) -> list[str]:
    return [str(v) for v in element.value] if element.VM > 1 else [str(element.value)]


def _remap(element: DataElement, key: DeidentificationKey):
    values = [v if v.startswith(STANDARD_UID_ROOT) or not v else key.uid(v) for v in _values(element)]
    return values if element.VM > 1 else values[0]


def _shift_dates(element: DataElement, shift: timedelta):
    shifted = []
    for text in _values(element):
        try:
            shifted.append((datetime.strptime(text.strip()[:8], "%Y%m%d").date() + shift).strftime("%Y%m%d"))
        except ValueError:
            shifted.append("")  # a malformed or partial date is identifying and cannot be shifted
    return shifted if element.VM > 1 else shifted[0]


def _shift_datetimes(element: DataElement, shift: timedelta):
    shifted = []
    for text in _values(element):
        text = text.strip()
        try:
            day = datetime.strptime(text[:8], "%Y%m%d").date() + shift
            shifted.append(day.strftime("%Y%m%d") + text[8:])
        except ValueError:
            shifted.append("")
    return shifted if element.VM > 1 else shifted[0]


def export_deidentified(paths: list[Path], destination: Path, key: DeidentificationKey,
                        form: str = "folder") -> DeidentificationReport:
    """Write de-identified copies of ``paths`` as ``form``: 'folder', 'zip' (destination is the file) or
    'dicomdir' (a medium folder with a DICOMDIR). Images with burned-in annotation are skipped (named)."""
    if form not in ("folder", "zip", "dicomdir"):
        raise SecurityError(f"Unknown export form {form!r}: use folder, zip or dicomdir.")
    report = DeidentificationReport(destination)
    cleaned: list[Dataset] = []
    for path in paths:
        try:
            dataset = dcmread_stored(path)
        except (OSError, InvalidDicomError) as error:
            report.skipped.append((path, f"not readable as DICOM ({error})"))
            continue
        if str(dataset.get("BurnedInAnnotation", "")).upper() == "YES":
            report.skipped.append((path, "pixels carry burned-in annotation (the profile's pixel cleaning is not done)"))
            continue
        cleaned.append(deidentify_dataset(dataset, key))
    try:
        if form == "zip":
            destination.parent.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED) as archive:
                for number, dataset in enumerate(cleaned, start=1):
                    buffer = BytesIO()
                    dataset.save_as(buffer, enforce_file_format=True)
                    archive.writestr(f"IMAGES/IM{number:05d}.dcm", buffer.getvalue())
        elif form == "dicomdir":
            destination.mkdir(parents=True, exist_ok=True)
            file_set = FileSet()
            for dataset in cleaned:
                file_set.add(dataset)
            file_set.write(destination)
        else:
            destination.mkdir(parents=True, exist_ok=True)
            for number, dataset in enumerate(cleaned, start=1):
                dataset.save_as(destination / f"IM{number:05d}.dcm", enforce_file_format=True)
    except OSError as error:
        log.error("de-identified export to %s failed: %s", destination, error)
        raise SecurityError(f"Cannot write the de-identified copy to {destination} ({error.strerror or error}); "
                            "check the folder and free space.") from error
    report.written = len(cleaned)
    for path, why in report.skipped:
        log.warning("de-identified export: skipped %s: %s", path.name, why)
    return report
