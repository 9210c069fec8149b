"""Restricted list rows carry no patient data."""

from __future__ import annotations

from workstation.archive.records import StudyRecord
from workstation.security.restricted_rows import RESTRICTED_NAME, restricted_row
from workstation.worklist.exam import Exam, Priority, ReadingStatus


def test_a_restricted_study_row_keeps_only_what_identifies_the_exam_not_the_patient():
    study = StudyRecord("1.2.3", "MRN1", "HOSP", "Star^Famous", "20250102", "101500", "ACC1", "CT head trauma",
                        ("CT",), 2, 100, 5_000_000, 0.0, False)
    row = restricted_row(study)
    assert (row.patient_id, row.issuer_of_patient_id, row.patient_name, row.study_description) == (
        "", "", RESTRICTED_NAME, "")
    assert (row.study_instance_uid, row.accession_number, row.study_date, row.modalities) == (
        "1.2.3", "ACC1", "20250102", ("CT",))


def test_a_restricted_worklist_row_keeps_status_priority_and_lock():
    exam = Exam("ACC1", patient_id="MRN1", patient_name="Star^Famous", birth_date="19700101", sex="F",
                procedure="CT head", body_part="HEAD", site="ED", priority=Priority.STAT, modality="CT",
                study_instance_uid="1.2.3", status=ReadingStatus.IN_PROGRESS, locked_by="alice")
    row = restricted_row(exam)
    assert (row.patient_id, row.patient_name, row.birth_date, row.sex, row.procedure, row.body_part, row.site) == (
        "", RESTRICTED_NAME, "", "", "", "", "")
    assert (row.accession_number, row.priority, row.status, row.locked_by, row.study_instance_uid) == (
        "ACC1", Priority.STAT, ReadingStatus.IN_PROGRESS, "alice", "1.2.3")
