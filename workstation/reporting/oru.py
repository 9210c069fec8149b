"""The signed report as an HL7 v2.3 ORU^R01 for the RIS: one OBX text line per report line.

The message control ID is derived from the report id and version, so each signed version is queued once
(the RIS outbox ignores a control ID it has seen).
"""

from __future__ import annotations

import hashlib
import time

from workstation.reporting.report import Report, ReportStatus

RESULT_STATUS = {ReportStatus.PRELIMINARY: "P", ReportStatus.FINAL: "F"}


def _escape(text: str) -> str:
    """HL7 escape sequences for the delimiters that may appear in report text."""
    return (text.replace("\\", "\\E\\").replace("|", "\\F\\").replace("^", "\\S\\")
            .replace("&", "\\T\\").replace("~", "\\R\\"))


def _name(person: str) -> str:
    """A DICOM person name (Family^Given) keeps its components; everything else is escaped."""
    return "^".join(_escape(part) for part in person.split("=")[0].split("^"))


def oru_control_id(report: Report) -> str:
    return "R" + hashlib.sha1(f"{report.report_id}|{report.version}".encode()).hexdigest()[:19]


def report_lines(report: Report) -> list[str]:
    lines: list[str] = []
    for section in report.sections:
        if section.text.strip():
            lines.append(f"{section.name.upper()}:")
            lines.extend(section.text.strip().splitlines())
            lines.append("")
    for number, addendum in enumerate(report.addenda, start=1):
        lines.append(f"ADDENDUM {number} ({addendum.signature.signer}):")
        lines.extend(addendum.text.splitlines())
        lines.append("")
    return lines


def oru_r01(report: Report, sending_facility: str = "RADIOLOGY") -> str:
    """The ORU^R01 text (segments separated by CR) for a signed report version."""
    if not report.signed:
        raise ValueError("only signed reports are sent to the RIS")
    exam = report.exam
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
    status = RESULT_STATUS[report.status]
    signer = report.signatures[-1].signer if report.signatures else report.author
    observed = time.strftime("%Y%m%d%H%M%S", time.gmtime(report.signatures[-1].signed_at)) if report.signatures else stamp
    segments = [
        f"MSH|^~\\&|WORKSTATION|{sending_facility}|RIS||{stamp}||ORU^R01|{oru_control_id(report)}|P|2.3",
        f"PID|1||{_escape(exam.patient_id)}||{_name(exam.patient_name)}||{exam.patient_birth_date}|{exam.patient_sex}",
        f"OBR|1|{_escape(exam.accession_number)}|{_escape(exam.accession_number)}|^{_escape(exam.procedure)}|||"
        f"{exam.study_date}{exam.study_time[:6]}|||||||||||{_escape(exam.accession_number)}||||{observed}||"
        f"{exam.modality}|{status}|||||||{_name(signer)}",
    ]
    for number, line in enumerate(report_lines(report), start=1):
        segments.append(f"OBX|{number}|TX|18748-4^Diagnostic Imaging Report^LN||{_escape(line)}||||||{status}")
    return "\r".join(segments) + "\r"
