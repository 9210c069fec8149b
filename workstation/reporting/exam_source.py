"""The exam a report is about, from the local archive: the study's index record plus one image header for
what the index does not keep (birth date, sex, referrer, institution)."""

from __future__ import annotations

import logging

from workstation.archive import Archive
from workstation.core.errors import WorkstationError
from workstation.dicom.reading import read_dataset
from workstation.reporting.report import Exam

log = logging.getLogger(__name__)


def exam_from_archive(archive: Archive, study_instance_uid: str) -> Exam:
    study = archive.study(study_instance_uid)
    header = None
    for series in archive.series(study_instance_uid):
        paths = archive.instance_paths(series.series_instance_uid)
        if paths:
            try:
                header = read_dataset(paths[0], header_only=True)
            except WorkstationError as error:
                log.warning("exam header of study %s unreadable: %s", study_instance_uid, error)
            break

    def text(keyword: str) -> str:
        return str(getattr(header, keyword, "") or "") if header is not None else ""

    return Exam(
        accession_number=study.accession_number or study.study_instance_uid[-16:], patient_id=study.patient_id,
        patient_name=study.patient_name, patient_birth_date=text("PatientBirthDate"), patient_sex=text("PatientSex"),
        issuer_of_patient_id=study.issuer_of_patient_id, study_instance_uid=study.study_instance_uid,
        study_date=study.study_date, study_time=study.study_time, study_id=text("StudyID"),
        modality=next(iter(study.modalities), ""), procedure=study.study_description,
        referring_physician=text("ReferringPhysicianName"), institution_name=text("InstitutionName"),
    )
