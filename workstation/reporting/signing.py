"""Signing: preliminary (resident) and final (senior) signatures, addenda, and the write-once signed archive.

Each signed version of a report is written once under WORKSTATION_HOME/reports/signed/<report id>/ and
never overwritten: a final report changes only by addenda, each a new signed version.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import replace
from pathlib import Path

from workstation.core.errors import WorkstationError
from workstation.core.atomic_file import fsync_folder
from workstation.reporting.report import Addendum, Report, ReportStatus, Signature, SignatureKind
from workstation.settings.home import workstation_home

log = logging.getLogger(__name__)


class SigningError(WorkstationError):
    """The report cannot be signed as asked; the message says why and what to do."""


def sign(report: Report, signer: str, kind: SignatureKind, now: float | None = None) -> Report:
    """The next signed version: a draft becomes preliminary or final; a preliminary one becomes final."""
    if not signer.strip():
        raise SigningError("Signing needs the signer's name; log in first.")
    if report.status is ReportStatus.FINAL:
        raise SigningError("This report is already signed final and cannot change; add an addendum instead.")
    if report.status is ReportStatus.PRELIMINARY and kind is SignatureKind.PRELIMINARY:
        raise SigningError("This report is already signed preliminary; a senior radiologist signs it final.")
    if not report.section_text("Impression").strip():
        raise SigningError("The impression is empty; write it before signing.")
    status = ReportStatus.FINAL if kind is SignatureKind.FINAL else ReportStatus.PRELIMINARY
    signature = Signature(signer=signer.strip(), kind=kind, signed_at=time.time() if now is None else now)
    return replace(report, status=status, version=report.version + 1, signatures=(*report.signatures, signature))


def add_addendum(report: Report, text: str, signer: str, now: float | None = None) -> Report:
    """A correction or addition to a final report, signed on its own; the original text stays as signed."""
    if report.status is not ReportStatus.FINAL:
        raise SigningError("Only a final report takes addenda; edit the report and sign it instead.")
    if not text.strip():
        raise SigningError("The addendum is empty.")
    signature = Signature(signer=signer.strip(), kind=SignatureKind.FINAL, signed_at=time.time() if now is None else now)
    return replace(report, version=report.version + 1, addenda=(*report.addenda, Addendum(text.strip(), signature)))


class SignedReports:
    """The write-once archive of signed report versions."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or workstation_home() / "reports" / "signed"
        self.folder.mkdir(parents=True, exist_ok=True)

    def store(self, report: Report) -> Path:
        """Write this signed version; a version once written is never replaced."""
        if not report.signed:
            raise SigningError("Only signed reports go to the signed archive.")
        folder = self.folder / report.report_id
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"v{report.version:03d}.json"
        data = json.dumps(report.to_json(), indent=1, sort_keys=True).encode("utf-8")
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
        except FileExistsError:
            if path.read_bytes() == data:
                return path
            log.error("signed report %s v%d exists with other content", report.report_id, report.version)
            raise SigningError("This version of the report was already signed with other content; "
                               "signed reports cannot change (add an addendum).") from None
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        fsync_folder(folder)
        log.info("signed report %s v%d stored", report.report_id, report.version)
        return path

    def mark_delivered(self, report: Report) -> None:
        """Record that every output of this version is queued (see ``undelivered``)."""
        marker = self.folder / report.report_id / f"v{report.version:03d}.queued"
        marker.touch()
        fsync_folder(marker.parent)

    def undelivered(self) -> list[Report]:
        """Signed versions whose outputs were not all queued (the workstation stopped in between)."""
        return [Report.from_json(json.loads(path.read_text(encoding="utf-8")))
                for path in sorted(self.folder.glob("*/v*.json")) if not path.with_suffix(".queued").exists()]

    def versions(self, report_id: str) -> list[Report]:
        return [Report.from_json(json.loads(path.read_text(encoding="utf-8")))
                for path in sorted((self.folder / report_id).glob("v*.json"))]

    def latest(self) -> list[Report]:
        """The newest signed version of every report."""
        found = []
        for folder in sorted(self.folder.iterdir()):
            versions = sorted(folder.glob("v*.json"))
            if versions:
                found.append(Report.from_json(json.loads(versions[-1].read_text(encoding="utf-8"))))
        return found

    def for_accession(self, accession_number: str) -> Report | None:
        return next((report for report in self.latest() if report.exam.accession_number == accession_number), None)

    def priors(self, exam) -> list[Report]:
        """Signed reports of the same patient's other exams, newest study first (shown for comparison)."""
        reports = [report for report in self.latest()
                   if report.exam.patient_id == exam.patient_id and report.exam.accession_number != exam.accession_number]
        return sorted(reports, key=lambda report: report.exam.study_date, reverse=True)
