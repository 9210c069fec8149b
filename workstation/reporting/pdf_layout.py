"""The signed report as a PDF page: hospital header, patient, exam, sections, signatures and addenda.

Laid out with fpdf2 in DejaVu Sans (any script in names and text); without that font on the machine the
PDF core font is used and characters outside Latin-1 are replaced.
"""

from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

with warnings.catch_warnings():  # the frozen build leaves Pillow out; report PDFs hold no images
    warnings.filterwarnings("ignore", message="Pillow could not be imported")
    from fpdf import FPDF

from workstation.reporting.report import Report, Signature

log = logging.getLogger(__name__)

FONT_FOLDER = Path("/usr/share/fonts/truetype/dejavu")


@dataclass(frozen=True)
class ReportHeader:
    institution: str = "Radiology"
    department: str = "Department of Radiology"


def _when(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(seconds))


def _dicom_date(value: str) -> str:
    return f"{value[:4]}-{value[4:6]}-{value[6:8]}" if len(value) == 8 and value.isdigit() else value


def _person(name: str) -> str:
    """A DICOM person name (Family^Given) as people write it."""
    parts = [part for part in name.split("=")[0].split("^") if part]
    return ", ".join(parts[:2]) + (" " + " ".join(parts[2:]) if len(parts) > 2 else "")


class _Page(FPDF):
    def __init__(self, header: ReportHeader, footer_text: str) -> None:
        super().__init__(format="A4")
        self.report_header, self.footer_text = header, footer_text
        self.unicode = False
        if (FONT_FOLDER / "DejaVuSans.ttf").exists():
            self.add_font("Body", "", str(FONT_FOLDER / "DejaVuSans.ttf"))
            self.add_font("Body", "B", str(FONT_FOLDER / "DejaVuSans-Bold.ttf"))
            self.unicode = True
        else:
            log.warning("DejaVu Sans not found in %s: PDF text limited to Latin-1", FONT_FOLDER)
        self.set_auto_page_break(True, margin=20)
        self.set_margins(20, 18, 20)

    def text(self, value: str) -> str:  # type: ignore[override]
        return value if self.unicode else value.encode("latin-1", "replace").decode("latin-1")

    def use(self, style: str = "", size: float = 10) -> None:
        self.set_font("Body" if self.unicode else "Helvetica", style, size)

    def header(self) -> None:
        self.use("B", 14)
        self.cell(0, 7, self.text(self.report_header.institution), new_x="LMARGIN", new_y="NEXT")
        self.use("", 10)
        self.cell(0, 5, self.text(self.report_header.department), new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(40, 40, 40)
        self.line(20, self.get_y() + 2, 190, self.get_y() + 2)
        self.ln(5)

    def footer(self) -> None:
        self.set_y(-14)
        self.use("", 8)
        self.cell(0, 5, self.text(f"{self.footer_text}   page {self.page_no()}/{{nb}}"), align="C")


def render_report_pdf(report: Report, header: ReportHeader | None = None) -> bytes:
    """The PDF; without a ``header`` the exam's institution (else "Radiology") heads the page."""
    exam = report.exam
    header = header or ReportHeader(institution=exam.institution_name or "Radiology")
    page = _Page(header, f"Accession {exam.accession_number} - report version {report.version}")
    page.alias_nb_pages()
    page.add_page()
    rows = (
        ("Patient", f"{_person(exam.patient_name)}   ID {exam.patient_id}"),
        ("Born / sex", f"{_dicom_date(exam.patient_birth_date)}   {exam.patient_sex}"),
        ("Exam", f"{exam.procedure or exam.modality}   ({exam.modality})"),
        ("Exam date", _dicom_date(exam.study_date)),
        ("Accession", exam.accession_number),
        ("Referrer", _person(exam.referring_physician)),
    )
    for label, value in rows:
        page.use("B", 10)
        page.cell(32, 5.5, page.text(label))
        page.use("", 10)
        page.cell(0, 5.5, page.text(value), new_x="LMARGIN", new_y="NEXT")
    page.ln(3)
    status = report.status.value.upper()
    page.use("B", 12)
    page.cell(0, 7, page.text(f"Report ({status})"), new_x="LMARGIN", new_y="NEXT")
    for section in report.sections:
        if not section.text.strip():
            continue
        page.ln(1.5)
        page.use("B", 10.5)
        page.cell(0, 6, page.text(section.name), new_x="LMARGIN", new_y="NEXT")
        page.use("", 10)
        page.multi_cell(0, 5, page.text(section.text.strip()), new_x="LMARGIN", new_y="NEXT")
    page.ln(4)
    for signature in report.signatures:
        _signature_line(page, signature)
    for number, addendum in enumerate(report.addenda, start=1):
        page.ln(4)
        page.use("B", 10.5)
        page.cell(0, 6, page.text(f"Addendum {number}"), new_x="LMARGIN", new_y="NEXT")
        page.use("", 10)
        page.multi_cell(0, 5, page.text(addendum.text), new_x="LMARGIN", new_y="NEXT")
        _signature_line(page, addendum.signature)
    return bytes(page.output())


def _signature_line(page: _Page, signature: Signature) -> None:
    page.use("B", 10)
    label = "Signed (final)" if signature.kind.value == "final" else "Signed (preliminary)"
    page.cell(0, 5.5, page.text(f"{label}: {_person(signature.signer)}, {_when(signature.signed_at)}"),
              new_x="LMARGIN", new_y="NEXT")
