"""Reporting one exam: the report being written, its dictation, autosave, signing and delivery.

The editor (workstation/_qt/reporting/) is a thin view over this; everything here runs without a display.
Opening an exam resumes its draft (e.g. after a crash), or shows its signed report, or starts one from
the best fitting template.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from workstation.reporting.dictation import DictationStatus, DictationStore
from workstation.reporting.dictation_controls import DictationControls
from workstation.reporting.drafts import DraftStore
from workstation.reporting.outputs import Delivery, ReportOutputs
from workstation.reporting.report import Exam, KeyImage, Report, ReportStatus, SignatureKind
from workstation.reporting.signing import SignedReports, add_addendum, sign
from workstation.reporting.templates import load_templates, sections_for

log = logging.getLogger(__name__)


class ReportSession:
    def __init__(self, exam: Exam, author: str, outputs: ReportOutputs, dictations: DictationStore | None = None,
                 drafts: DraftStore | None = None, signed: SignedReports | None = None) -> None:
        self.author, self.outputs = author, outputs
        self.dictations = dictations or DictationStore()
        self.drafts = drafts or DraftStore()
        self.signed = signed or SignedReports()
        self.dirty = False
        self.controls: DictationControls | None = None
        self.last_delivery: Delivery | None = None
        self.report = (self.drafts.draft_for(exam.accession_number) or self.signed.for_accession(exam.accession_number)
                       or self._new_report(exam))

    def _new_report(self, exam: Exam) -> Report:
        template_id, sections = sections_for(exam, load_templates())
        transcripts = [d.transcript for d in self.dictations.all()
                       if d.accession_number == exam.accession_number and d.status is DictationStatus.TRANSCRIBED]
        report = Report.new(exam, self.author, sections, template_id)
        if transcripts:  # a transcriptionist typed the dictation: it becomes the findings to check
            report = report.with_section("Findings", "\n".join(transcripts))
        return report

    @property
    def editable(self) -> bool:
        return self.report.status is not ReportStatus.FINAL

    def priors(self) -> list[Report]:
        return self.signed.priors(self.report.exam)

    def set_section(self, name: str, text: str) -> None:
        if self.report.section_text(name) != text:
            self.report = self.report.with_section(name, text)
            self.dirty = True

    def toggle_key_image(self, image: KeyImage) -> bool:
        """Flag or unflag an image; True when it is flagged now."""
        self.report = self.report.with_key_image(image)
        self.dirty = True
        return image in self.report.key_images

    def autosave(self) -> bool:
        """Save the draft if it changed since the last save; True if written."""
        if not self.dirty or not self.editable:
            return False
        self.drafts.save(self.report)
        self.dirty = False
        return True

    def dictation_controls(self) -> DictationControls:
        """The dictation of this exam by this author (created on first use, resumed after that)."""
        if self.controls is None:
            existing = [d for d in self.dictations.all() if d.dictation_id in self.report.dictation_ids]
            dictation = existing[-1] if existing else self.dictations.create(self.report.exam.accession_number, self.author)
            if not existing:
                self.report = replace(self.report, dictation_ids=(*self.report.dictation_ids, dictation.dictation_id))
                self.dirty = True
                self.autosave()
            self.controls = DictationControls(self.dictations, dictation)
        return self.controls

    def sign(self, kind: SignatureKind) -> Delivery:
        """Sign as ``self.author`` and queue the outputs; the signed version becomes the report shown."""
        if self.controls is not None:
            self.controls.close()
        signed = sign(self.report, self.author, kind)
        self.last_delivery = self.outputs.deliver(signed)
        self.report, self.dirty = signed, False
        return self.last_delivery

    def add_addendum(self, text: str) -> Delivery:
        amended = add_addendum(self.report, text, self.author)
        self.last_delivery = self.outputs.deliver(amended)
        self.report = amended
        return self.last_delivery

    def close(self) -> None:
        if self.controls is not None:
            self.controls.close()
        self.autosave()
