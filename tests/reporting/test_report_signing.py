"""Preliminary and final signatures, immutability, addenda, the write-once signed archive, priors."""

import os
from dataclasses import replace

import pytest

from tests.reporting.report_factory import EXAM, make_report
from workstation.reporting.report import ReportStatus, SignatureKind
from workstation.reporting.signing import SignedReports, SigningError, add_addendum, sign


def test_resident_preliminary_then_senior_final():
    preliminary = sign(make_report(), "resident.rui", SignatureKind.PRELIMINARY, now=1000)
    assert preliminary.status is ReportStatus.PRELIMINARY and preliminary.version == 1
    with pytest.raises(SigningError, match="senior"):
        sign(preliminary, "resident.rui", SignatureKind.PRELIMINARY)
    edited = preliminary.with_section("Impression", "Indeterminate nodule; CT in 3 months.")
    final = sign(edited, "dr.senior", SignatureKind.FINAL, now=2000)
    assert final.status is ReportStatus.FINAL and final.version == 2
    assert [(s.signer, s.kind) for s in final.signatures] == [("resident.rui", SignatureKind.PRELIMINARY),
                                                              ("dr.senior", SignatureKind.FINAL)]


def test_final_report_is_immutable_and_takes_addenda():
    final = sign(make_report(), "dr.senior", SignatureKind.FINAL)
    with pytest.raises(ValueError):
        final.with_section("Impression", "changed")
    with pytest.raises(SigningError, match="addendum"):
        sign(final, "dr.senior", SignatureKind.FINAL)
    amended = add_addendum(final, "Nodule is in the right LOWER lobe.", "dr.senior")
    assert amended.version == 2 and amended.section_text("Impression") == final.section_text("Impression")
    with pytest.raises(SigningError, match="Only a final"):
        add_addendum(make_report(), "x", "dr.senior")


def test_empty_impression_or_signer_refused():
    with pytest.raises(SigningError, match="impression is empty"):
        sign(make_report(impression="  "), "dr.senior", SignatureKind.FINAL)
    with pytest.raises(SigningError, match="signer"):
        sign(make_report(), " ", SignatureKind.FINAL)


def test_signed_archive_is_write_once():
    archive = SignedReports()
    final = sign(make_report(), "dr.senior", SignatureKind.FINAL)
    path = archive.store(final)
    assert archive.store(final) == path  # the same version again: nothing changes
    with pytest.raises(SigningError, match="cannot change"):
        archive.store(replace(final, sections=final.sections[:1]))
    assert not os.access(path, os.W_OK) or os.geteuid() == 0
    amended = add_addendum(final, "Addendum text.", "dr.senior")
    archive.store(amended)
    assert [r.version for r in archive.versions(final.report_id)] == [1, 2]
    assert archive.for_accession(EXAM.accession_number).addenda[0].text == "Addendum text."


def test_priors_reports_of_the_same_patient_newest_first():
    archive = SignedReports()
    for accession, date in (("OLD", "20240101"), ("NEWER", "20250601")):
        exam = replace(EXAM, accession_number=accession, study_date=date)
        archive.store(sign(replace(make_report(), exam=exam), "dr.senior", SignatureKind.FINAL))
    other_patient = replace(EXAM, accession_number="OTHER", patient_id="PAT-8")
    archive.store(sign(replace(make_report(), exam=other_patient), "dr.senior", SignatureKind.FINAL))
    assert [r.exam.accession_number for r in archive.priors(EXAM)] == ["NEWER", "OLD"]
