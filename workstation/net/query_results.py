"""What a PACS answers to a query (C-FIND or QIDO-RS), as typed records, whichever protocol asked.

Both protocols hand over pydicom Datasets (QIDO's DICOM JSON is read into one), so one set of
converters serves both.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only read through ``get``: importing pydicom here would slow every command (~0.2 s)
    from pydicom.dataset import Dataset


def _text(dataset: Dataset, keyword: str) -> str:
    value = dataset.get(keyword)
    if value is None or value == "":
        return ""
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return "\\".join(str(item) for item in value)
    return str(value)


def _number(dataset: Dataset, keyword: str) -> int | None:
    text = _text(dataset, keyword)
    try:
        return int(float(text)) if text else None
    except ValueError:
        return None


def _values(dataset: Dataset, keyword: str) -> tuple[str, ...]:
    text = _text(dataset, keyword)
    return tuple(item for item in text.split("\\") if item)


@dataclass(frozen=True)
class RemotePatient:
    patient_id: str
    issuer_of_patient_id: str
    patient_name: str
    birth_date: str
    sex: str
    number_of_studies: int | None

    @classmethod
    def from_dataset(cls, dataset: Dataset) -> "RemotePatient":
        return cls(
            patient_id=_text(dataset, "PatientID"),
            issuer_of_patient_id=_text(dataset, "IssuerOfPatientID"),
            patient_name=_text(dataset, "PatientName"),
            birth_date=_text(dataset, "PatientBirthDate"),
            sex=_text(dataset, "PatientSex"),
            number_of_studies=_number(dataset, "NumberOfPatientRelatedStudies"),
        )


@dataclass(frozen=True)
class RemoteStudy:
    study_instance_uid: str
    patient_id: str
    issuer_of_patient_id: str
    patient_name: str
    birth_date: str
    study_date: str
    study_time: str
    accession_number: str
    study_description: str
    modalities: tuple[str, ...]
    number_of_series: int | None
    number_of_instances: int | None

    @classmethod
    def from_dataset(cls, dataset: Dataset) -> "RemoteStudy":
        return cls(
            study_instance_uid=_text(dataset, "StudyInstanceUID"),
            patient_id=_text(dataset, "PatientID"),
            issuer_of_patient_id=_text(dataset, "IssuerOfPatientID"),
            patient_name=_text(dataset, "PatientName"),
            birth_date=_text(dataset, "PatientBirthDate"),
            study_date=_text(dataset, "StudyDate"),
            study_time=_text(dataset, "StudyTime"),
            accession_number=_text(dataset, "AccessionNumber"),
            study_description=_text(dataset, "StudyDescription"),
            modalities=_values(dataset, "ModalitiesInStudy"),
            number_of_series=_number(dataset, "NumberOfStudyRelatedSeries"),
            number_of_instances=_number(dataset, "NumberOfStudyRelatedInstances"),
        )

    def as_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class RemoteSeries:
    series_instance_uid: str
    study_instance_uid: str
    modality: str
    series_number: int | None
    series_description: str
    body_part_examined: str
    number_of_instances: int | None

    @classmethod
    def from_dataset(cls, dataset: Dataset) -> "RemoteSeries":
        return cls(
            series_instance_uid=_text(dataset, "SeriesInstanceUID"),
            study_instance_uid=_text(dataset, "StudyInstanceUID"),
            modality=_text(dataset, "Modality"),
            series_number=_number(dataset, "SeriesNumber"),
            series_description=_text(dataset, "SeriesDescription"),
            body_part_examined=_text(dataset, "BodyPartExamined"),
            number_of_instances=_number(dataset, "NumberOfSeriesRelatedInstances"),
        )


@dataclass(frozen=True)
class RemoteInstance:
    sop_instance_uid: str
    sop_class_uid: str
    series_instance_uid: str
    study_instance_uid: str
    instance_number: int | None

    @classmethod
    def from_dataset(cls, dataset: Dataset) -> "RemoteInstance":
        return cls(
            sop_instance_uid=_text(dataset, "SOPInstanceUID"),
            sop_class_uid=_text(dataset, "SOPClassUID"),
            series_instance_uid=_text(dataset, "SeriesInstanceUID"),
            study_instance_uid=_text(dataset, "StudyInstanceUID"),
            instance_number=_number(dataset, "InstanceNumber"),
        )


@dataclass(frozen=True)
class StudyMatches:
    """A capped study search: the first ``limit`` matches, and whether the PACS holds more."""

    studies: list[RemoteStudy]
    limit: int
    more: bool

    @property
    def notice(self) -> str:
        """What to tell the user when the list is cut ("" when it is complete)."""
        if not self.more:
            return ""
        return (f"More than {self.limit} studies match; only the first {self.limit} are listed. Narrow the search "
                "(patient, accession or a shorter date range).")


# Return keys each level asks for; both C-FIND identifiers and QIDO includefield lists are built from them.
RETURN_KEYS: dict[str, tuple[str, ...]] = {
    "PATIENT": ("PatientID", "IssuerOfPatientID", "PatientName", "PatientBirthDate", "PatientSex",
                "NumberOfPatientRelatedStudies"),
    "STUDY": ("StudyInstanceUID", "PatientID", "IssuerOfPatientID", "PatientName", "PatientBirthDate",
              "StudyDate", "StudyTime", "AccessionNumber", "StudyDescription", "ModalitiesInStudy",
              "NumberOfStudyRelatedSeries", "NumberOfStudyRelatedInstances"),
    "SERIES": ("StudyInstanceUID", "SeriesInstanceUID", "Modality", "SeriesNumber", "SeriesDescription",
               "BodyPartExamined", "NumberOfSeriesRelatedInstances"),
    "IMAGE": ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "SOPClassUID", "InstanceNumber"),
}


def middle_first(instances: list[RemoteInstance]) -> list[RemoteInstance]:
    """Order for fetching: the middle slice first (what the viewer shows first), then outwards."""
    ordered = sorted(instances, key=lambda item: (item.series_instance_uid, item.instance_number or 0))
    middle = len(ordered) // 2
    return [ordered[index] for index in sorted(range(len(ordered)), key=lambda index: abs(index - middle))]
