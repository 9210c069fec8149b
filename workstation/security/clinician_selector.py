"""The clinicians' selector, without Qt: find a patient's exams (those the clinician may see), show the
signed report, and offer the series worth seeing, preselected from the radiologist's key images and
keyword tags. Everything the clinician looks at is audited by the caller through the trail."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workstation.archive import Archive, SeriesRecord, StudyRecord
from workstation.reporting.report import Report
from workstation.reporting.signing import SignedReports
from workstation.security.access import AccessPolicy
from workstation.security.keywords import KeywordStore
from workstation.security.users import User


@dataclass(frozen=True)
class OfferedSeries:
    series: SeriesRecord
    preselected: bool
    why: str  # "key images", "tagged 'follow-up'", "largest series" or ""


@dataclass(frozen=True)
class ClinicianExam:
    study: StudyRecord
    report_text: str  # the latest signed report, "" when none is signed yet
    series: tuple[OfferedSeries, ...]


def search_studies(archive: Archive, policy: AccessPolicy, user: User | None, text: str) -> list[StudyRecord]:
    """Studies whose patient name or ID contains ``text`` (any case), newest first, only those ``user`` may see."""
    needle = text.strip().lower()
    if not needle:
        return []
    found = [study for study in archive.studies()
             if needle in study.patient_name.lower() or needle in study.patient_id.lower()]
    return policy.visible_studies(user, found)


def report_text(report: Report) -> str:
    parts = [f"{section.name}:\n{section.text}" for section in report.sections if section.text.strip()]
    parts += [f"Addendum:\n{addendum.text}" for addendum in report.addenda]
    return "\n\n".join(parts)


def clinician_exam(archive: Archive, reports: SignedReports, keywords: KeywordStore, viewer: str,
                   study: StudyRecord) -> ClinicianExam:
    signed = [r for r in reports.latest() if r.exam.study_instance_uid == study.study_instance_uid
              or (study.accession_number and r.exam.accession_number == study.accession_number)]
    latest = max(signed, key=lambda r: r.version, default=None)
    key_series = {image.series_instance_uid for image in latest.key_images} if latest else set()
    tagged = {tag.series_instance_uid: tag.keyword for tag in keywords.tags(viewer, study.study_instance_uid)
              if tag.series_instance_uid}
    series = archive.series(study.study_instance_uid)
    offered = []
    for record in series:
        uid = record.series_instance_uid
        why = "key images" if uid in key_series else f"tagged {tagged[uid]!r}" if uid in tagged else ""
        offered.append(OfferedSeries(record, bool(why), why))
    if series and not any(item.preselected for item in offered):
        largest = max(range(len(series)), key=lambda i: series[i].instance_count)
        offered[largest] = OfferedSeries(series[largest], True, "largest series")
    return ClinicianExam(study, report_text(latest) if latest else "", tuple(offered))


def selected_paths(archive: Archive, series_uids: list[str]) -> list[Path]:
    return [path for uid in series_uids for path in archive.instance_paths(uid)]
