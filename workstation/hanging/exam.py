"""What the matcher knows about an exam: the study's attributes and each display set's attributes.

Study attributes come from the archive index (StudyRecord, SeriesRecord); display-set attributes from
the headers through ``workstation.dicom.model`` and ``displaysets`` (orientation, is-volume, number of
images) plus a few header attributes of the display set's first image (contrast, laterality, view).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from pydicom.dataset import Dataset

from workstation.archive import Archive
from workstation.archive.records import StudyRecord
from workstation.core.errors import DicomReadError
from workstation.dicom.displaysets import VOLUME, DisplaySet, display_sets
from workstation.dicom.model import build_patients, instance_from_dataset
from workstation.dicom.reading import read_dataset

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DisplaySetFacts:
    series_instance_uid: str
    study_instance_uid: str
    display_set_index: int  # position among its series' display sets (the viewer's stack uid uses it)
    label: str
    attributes: dict[str, object]

    @property
    def stack_uid(self) -> str:
        """The reading screen's ImageStack uid of this display set's first phase."""
        return f"{self.series_instance_uid}/{self.display_set_index}/0"


@dataclass(frozen=True)
class StudyFacts:
    record: StudyRecord
    attributes: dict[str, object]
    display_sets: tuple[DisplaySetFacts, ...] = ()
    problems: tuple[str, ...] = field(default=())
    complete: bool = True  # False: study attributes from the index only, display sets not read yet

    @property
    def study_instance_uid(self) -> str:
        return self.record.study_instance_uid


def study_facts(archive: Archive, record: StudyRecord, with_display_sets: bool = True) -> StudyFacts:
    """Read the study's headers (no pixel data) and describe its display sets; without them, only what the
    archive index knows (enough to choose among priors before reading any of their headers)."""
    series_records = archive.series(record.study_instance_uid)
    facts: list[DisplaySetFacts] = []
    problems: list[str] = []
    for series_record in [] if not with_display_sets else sorted(series_records, key=lambda s: (s.series_number is None, s.series_number or 0)):
        headers = []
        for path in archive.instance_paths(series_record.series_instance_uid):
            try:
                dataset = read_dataset(path, header_only=True)
                headers.append((instance_from_dataset(path, dataset), dataset))
            except DicomReadError as error:
                log.warning("hanging: skipping %s", error)
                problems.append(str(error))
        by_path = {instance.path: dataset for instance, dataset in headers}
        for patient in build_patients(headers):
            for series in patient.all_series():
                for index, display_set in enumerate(display_sets(series)):
                    first = by_path[display_set.frames[0].instance.path]
                    facts.append(DisplaySetFacts(
                        series.series_instance_uid, record.study_instance_uid, index, display_set.label,
                        display_set_attributes(display_set, first, series_record.body_part_examined),
                    ))
    attributes = {
        "modality": tuple(record.modalities),
        "body_part": tuple(sorted({s.body_part_examined.upper() for s in series_records if s.body_part_examined})),
        "study_description": record.study_description,
        "laterality": tuple(sorted({str(d.attributes["laterality"]) for d in facts if d.attributes["laterality"]})),
    }
    return StudyFacts(record, attributes, tuple(facts), tuple(problems), with_display_sets)


def display_set_attributes(display_set: DisplaySet, first: Dataset, body_part: str = "") -> dict[str, object]:
    frame = display_set.frames[0]
    plane = frame.plane
    return {
        "modality": display_set.series.modality,
        "series_description": display_set.series.series_description,
        "series_number": display_set.series.series_number,
        "orientation": plane.orientation_name if plane is not None else None,
        "slice_thickness": frame.attributes.slice_thickness,
        "image_count": max(len(phase.frames) for phase in display_set.phases),
        "is_volume": display_set.kind == VOLUME,
        "contrast": bool(str(first.get("ContrastBolusAgent", "") or "").strip()),
        "laterality": str(first.get("ImageLaterality", "") or first.get("Laterality", "") or "").upper(),
        "view_position": str(first.get("ViewPosition", "") or "").upper(),
        "body_part": str(first.get("BodyPartExamined", "") or body_part or "").upper(),
        "image_type": tuple(frame.attributes.image_type),
    }


def prior_records(archive: Archive, current: StudyRecord) -> list[StudyRecord]:
    """The patient's other studies (same Patient ID and issuer) not dated after the current one, newest first."""
    candidates = [
        study for study in archive.studies(patient_id=current.patient_id)
        if study.study_instance_uid != current.study_instance_uid
        and study.issuer_of_patient_id == current.issuer_of_patient_id
        and study.study_date and current.study_date
        and (study.study_date, study.study_time) <= (current.study_date, current.study_time)
    ]
    return sorted(candidates, key=lambda study: (study.study_date, study.study_time), reverse=True)
