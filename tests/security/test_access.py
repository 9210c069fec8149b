"""Confidential exams: access lists, who sees what, break the glass."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from pydicom import Dataset

from workstation.security.access import confidential_by_header, confidential_by_hl7
from workstation.security.config import ConfidentialityRules
from workstation.security.errors import AccessDenied, SecurityError
from workstation.security.roles import Role


@dataclass
class Study:
    study_instance_uid: str


STUDIES = [Study("1.2.3"), Study("1.2.4"), Study("1.2.5")]


def test_a_confidential_exam_is_hidden_from_users_not_on_its_list(security, two_users):
    alice, bob = two_users
    security.policy.restrict(alice, "1.2.4")
    assert [s.study_instance_uid for s in security.policy.visible_studies(bob, STUDIES)] == ["1.2.3", "1.2.5"]
    assert len(security.policy.visible_studies(alice, STUDIES)) == 3
    assert len(security.policy.visible_studies(None, STUDIES)) == 3  # single-user station
    with pytest.raises(AccessDenied, match="restricted") as denied:
        security.policy.require_access(bob, "1.2.4")
    assert "Break the glass" in str(denied.value)


def test_an_administrator_edits_the_access_list(security, two_users):
    alice, bob = two_users
    admin = security.users.add("root", Role.ADMINISTRATOR, "pw")
    security.policy.restrict(alice, "1.2.4")
    with pytest.raises(AccessDenied, match="administrator"):
        security.policy.set_access(alice, "1.2.4", ["bob"])
    security.policy.set_access(admin, "1.2.4", ["bob"])
    assert security.policy.can_see(bob, "1.2.4")
    security.policy.unrestrict(admin, "1.2.4")
    assert not security.policy.is_restricted("1.2.4")


def test_break_the_glass_needs_a_reason_and_leaves_an_audit_record(security, two_users):
    alice, bob = two_users
    clinician = security.users.add("dr-who", Role.CLINICIAN, "pw")
    security.policy.restrict(alice, "1.2.4")
    with pytest.raises(SecurityError, match="reason"):
        security.policy.break_glass(bob, "1.2.4", " ")
    with pytest.raises(AccessDenied, match="may not break the glass"):
        security.policy.break_glass(clinician, "1.2.4", "need to see it now")
    security.policy.break_glass(bob, "1.2.4", "trauma call, patient in resus")
    assert security.policy.can_see(bob, "1.2.4")
    assert not security.policy.can_see(clinician, "1.2.4")
    alert = [r for r in security.trail.log.records() if r["event"] == "emergency override started"]
    assert len(alert) == 1 and alert[0]["user"] == "bob" and alert[0]["study_uids"] == ["1.2.4"]
    assert "trauma call, patient in resus" in alert[0]["xml"] and 'csd-code="110113"' in alert[0]["xml"]
    assert [r.reason for r in security.policy.break_glass_records("1.2.4")] == ["trauma call, patient in resus"]


def test_rules_from_the_ris_and_pacs_mark_exams_confidential(security, two_users):
    rules = ConfidentialityRules(attributes={"ConfidentialityCode": ("V", "R")}, keywords=("VIP",))
    header = Dataset()
    header.ConfidentialityCode = "v"
    assert confidential_by_header(header, rules)
    header.ConfidentialityCode = "N"
    assert not confidential_by_header(header, rules)
    assert confidential_by_hl7("Y", rules) and not confidential_by_hl7("", rules)
    security.policy.rules = rules
    security.keywords.tag("alice", "vip", "1.2.5")
    assert not security.policy.can_see(two_users[1], "1.2.5")
    security.policy.mark_by_rule("1.2.3", "ConfidentialityCode=V")
    assert not security.policy.can_see(two_users[1], "1.2.3")


def test_header_rules_mark_archived_studies_confidential(security, two_users, tmp_path):
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    from workstation.archive import Archive

    files = []
    for number, code in enumerate(("V", "N")):
        dataset = Dataset()
        dataset.file_meta = FileMetaDataset()
        dataset.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        dataset.SOPClassUID = dataset.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
        dataset.SOPInstanceUID = dataset.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        dataset.StudyInstanceUID, dataset.SeriesInstanceUID = generate_uid(), generate_uid()
        dataset.PatientID, dataset.Modality, dataset.ConfidentialityCode = f"P{number}", "OT", code
        path = tmp_path / f"{number}.dcm"
        dataset.save_as(path, enforce_file_format=True)
        files.append(dataset.StudyInstanceUID)
    security.policy.rules = ConfidentialityRules(attributes={"ConfidentialityCode": ("V",)})
    with Archive(tmp_path / "archive") as archive:
        archive.import_paths([tmp_path / "0.dcm", tmp_path / "1.dcm"])
        assert security.policy.apply_header_rules(archive) == 1
        assert security.policy.apply_header_rules(archive) == 0  # each study is read once
    assert security.policy.restricted_studies() == [files[0]]
