"""Report drafts saved every few seconds and on focus change, and offered again after a crash.

One JSON file per report under WORKSTATION_HOME/reports/drafts/, replaced atomically; it goes away when
the report is signed.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from workstation.core.atomic_file import write_json_atomically
from workstation.reporting.report import Report
from workstation.settings.home import workstation_home

log = logging.getLogger(__name__)


class DraftStore:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or workstation_home() / "reports" / "drafts"
        self.folder.mkdir(parents=True, exist_ok=True)

    def save(self, report: Report) -> None:
        write_json_atomically(self._path(report.report_id), report.to_json())

    def discard(self, report_id: str) -> None:
        self._path(report_id).unlink(missing_ok=True)

    def drafts(self) -> list[Report]:
        """Every unsigned draft on disk (e.g. after a crash), oldest first."""
        found = []
        for path in sorted(self.folder.glob("*.json")):
            try:
                found.append(Report.from_json(json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError, KeyError, TypeError) as error:
                log.error("report draft %s unreadable: %s", path.name, error)
        return sorted(found, key=lambda report: report.created_at)

    def draft_for(self, accession_number: str) -> Report | None:
        return next((report for report in self.drafts() if report.exam.accession_number == accession_number), None)

    def _path(self, report_id: str) -> Path:
        return self.folder / f"{report_id}.json"
