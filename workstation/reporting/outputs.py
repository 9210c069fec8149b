"""What happens when a report is signed: archive the signed version, queue its outputs, release the exam.

The Encapsulated PDF, the Basic Text SR and (first signing with key images) the Key Object Selection go
to the PACS through the persistent DICOM outbox (workstation.net.outbox); the ORU^R01 and the new reading
status go to the RIS through the persistent MLLP outbox (workstation.worklist.ris_outbox). Both retry until
acknowledged; deterministic UIDs and control IDs keep a version from being queued or stored twice.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass

from pydicom import dcmread

from workstation.net.outbox import Outbox
from workstation.reporting.dictation import DictationStatus, DictationStore
from workstation.reporting.dicom_documents import basic_text_sr, encapsulated_pdf, key_object_selection
from workstation.reporting.drafts import DraftStore
from workstation.reporting.oru import oru_control_id, oru_r01
from workstation.reporting.pdf_layout import ReportHeader, render_report_pdf
from workstation.reporting.report import Report, ReportStatus
from workstation.reporting.signing import SignedReports
from workstation.worklist.exam import ReadingStatus
from workstation.worklist.ris_outbox import RisOutbox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """What was queued for one signed version (SOP Instance UIDs and the HL7 control ID)."""

    report: Report
    pdf_uid: str
    sr_uid: str
    kos_uid: str
    oru_control_id: str


@dataclass
class ReportOutputs:
    """Where signed reports go: a PACS node of the DICOM outbox, and the RIS outbox (None: no RIS)."""

    pacs_outbox: Outbox
    pacs_node: str
    ris_outbox: RisOutbox | None = None
    header: ReportHeader | None = None  # None: the exam's institution
    send: Callable[[str, bytes], object] | None = None  # e.g. PacsService.send: queue and wake its sender
    signed: SignedReports | None = None
    drafts: DraftStore | None = None
    dictations: DictationStore | None = None

    def deliver(self, report: Report) -> Delivery:
        """Archive the signed version and queue all its outputs (idempotent for the same version)."""
        if not report.signed:
            raise ValueError("only signed reports are delivered")
        signed = self.signed or SignedReports()
        signed.store(report)
        (self.drafts or DraftStore()).discard(report.report_id)
        pdf_uid = self._enqueue_once(encapsulated_pdf(report, render_report_pdf(report, self.header)))
        sr_uid = self._enqueue_once(basic_text_sr(report))
        kos_uid = self._enqueue_once(key_object_selection(report)) if report.key_images else ""
        control_id = ""
        if self.ris_outbox is not None:
            control_id = oru_control_id(report)
            self.ris_outbox.send_to_ris(oru_r01(report), control_id)
            status = ReadingStatus.FINAL if report.status is ReportStatus.FINAL else ReadingStatus.PRELIMINARY
            self.ris_outbox.report_status_changed(report.exam.accession_number, status)
        dictations = self.dictations or DictationStore()
        for dictation_id in report.dictation_ids:
            dictations.set_status(dictation_id, DictationStatus.ATTACHED, report_id=report.report_id)
        signed.mark_delivered(report)
        log.info("report %s v%d signed %s: outputs queued", report.report_id, report.version, report.status.value)
        return Delivery(report, pdf_uid, sr_uid, kos_uid, control_id)

    def resume(self) -> list[Delivery]:
        """Queue the outputs of versions signed just before a crash (nothing already queued is queued again)."""
        return [self.deliver(report) for report in (self.signed or SignedReports()).undelivered()]

    def _enqueue_once(self, part10: bytes) -> str:
        uid = str(dcmread(io.BytesIO(part10), stop_before_pixels=True).SOPInstanceUID)
        if any(item.sop_instance_uid == uid for item in self.pacs_outbox.items()):
            return uid
        (self.send or self.pacs_outbox.enqueue)(self.pacs_node, part10)
        return uid
