"""Opening the patient's record in the hospital's EHR (the seed hospital runs Clinicom) for the exam on
screen, from a configured template: a URL (opened in the browser) or a command line (run without a shell).

Placeholders: {patient_id}, {issuer_of_patient_id}, {accession_number}, {study_instance_uid}; in URLs the
values are percent-encoded. Example: ``https://clinicom.example/patient?mrn={patient_id}``.
"""

from __future__ import annotations

import logging
import shlex
import string
import subprocess
import webbrowser
from urllib.parse import quote

from workstation.worklist.errors import WorklistError
from workstation.worklist.exam import Exam

log = logging.getLogger(__name__)

PLACEHOLDERS = ("patient_id", "issuer_of_patient_id", "accession_number", "study_instance_uid")


def is_url(template: str) -> bool:
    return template.lower().startswith(("http://", "https://"))


def expand(template: str, exam: Exam) -> str | list[str]:
    """The URL, or the command's argument list, for ``exam``."""
    unknown = [name for _, name, _, _ in string.Formatter().parse(template) if name and name not in PLACEHOLDERS]
    if unknown:
        raise WorklistError(
            f"The EHR link template uses unknown placeholder(s) {', '.join(unknown)}; use {', '.join(PLACEHOLDERS)}."
        )
    values = {name: getattr(exam, name) for name in PLACEHOLDERS}
    if is_url(template):
        return template.format(**{name: quote(value, safe="") for name, value in values.items()})
    return [part.format(**values) for part in shlex.split(template)]


def open_patient_record(template: str, exam: Exam) -> str | list[str]:
    """Open the EHR for the exam's patient; returns what was opened. Raises WorklistError if it cannot."""
    if not template:
        raise WorklistError("No EHR link is configured; set ehr_template in worklist.json.")
    target = expand(template, exam)
    log.info("opening the EHR for exam %s", exam.accession_number)
    if isinstance(target, str):
        if not webbrowser.open(target):
            raise WorklistError("No web browser could be started to open the patient's record.")
        return target
    try:
        subprocess.Popen(target, start_new_session=True)
    except OSError as error:
        log.error("EHR command %s failed: %s", target[0], error)
        raise WorklistError(f"The EHR command {target[0]!r} could not be started ({error.strerror or error}).") from error
    return target
