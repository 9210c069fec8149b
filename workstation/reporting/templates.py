"""Report templates per procedure (shipped in resources/report_templates/, one JSON file each).

A template names the modalities and procedure keywords it fits and gives the sections with their default
text; the editor starts a new report from the best fitting one.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from workstation.core.errors import WorkstationError
from workstation.core.resources import resource_path
from workstation.reporting.report import Exam, Section

log = logging.getLogger(__name__)

GENERIC_SECTIONS = ("Clinical information", "Technique", "Comparison", "Findings", "Impression")


@dataclass(frozen=True)
class ReportTemplate:
    template_id: str
    title: str
    modalities: tuple[str, ...]
    keywords: tuple[str, ...]
    sections: tuple[Section, ...]

    def score(self, exam: Exam) -> int:
        """0 when the modality does not fit, else 1 plus the number of keywords in the procedure."""
        if exam.modality.upper() not in self.modalities:
            return 0
        procedure = exam.procedure.lower()
        return 1 + sum(keyword in procedure for keyword in self.keywords)


def load_templates(folder: Path | None = None) -> list[ReportTemplate]:
    folder = folder or resource_path("report_templates")
    templates = []
    for path in sorted(folder.glob("*.json")):
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
            templates.append(ReportTemplate(
                template_id=value["id"], title=value["title"], modalities=tuple(m.upper() for m in value["modalities"]),
                keywords=tuple(k.lower() for k in value["keywords"]),
                sections=tuple(Section(item["name"], item.get("text", "")) for item in value["sections"]),
            ))
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.error("report template %s unreadable: %s", path, error)
            raise WorkstationError(f"The report template {path.name} is broken ({error}); fix or remove it.") from error
    return templates


def template_for(exam: Exam, templates: list[ReportTemplate]) -> ReportTemplate | None:
    """The template fitting the exam best (modality first, then procedure keywords); None if none fits."""
    scored = [(template.score(exam), template) for template in templates]
    best = max(scored, key=lambda pair: pair[0], default=(0, None))
    return best[1] if best[0] >= 2 or (best[0] == 1 and not exam.procedure) else None


def sections_for(exam: Exam, templates: list[ReportTemplate]) -> tuple[str, tuple[Section, ...]]:
    """(template id, sections) to start a report: the fitting template, else the generic empty sections."""
    template = template_for(exam, templates)
    if template is None:
        return "", tuple(Section(name) for name in GENERIC_SECTIONS)
    return template.template_id, template.sections
