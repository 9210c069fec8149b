"""How an exam the user may not see still shows in a list: a "restricted" row with no patient data.

The row keeps only what lets the reader know an exam exists and ask for it (accession, study UID, modality,
date, status, priority, lock): opening it asks to break the glass (if the role may) or says it is restricted.
"""

from __future__ import annotations

from dataclasses import fields, replace
from enum import Enum
from typing import TypeVar

T = TypeVar("T")
RESTRICTED_NAME = "RESTRICTED"
KEPT = frozenset({"accession_number", "study_instance_uid", "modality", "study_date", "study_time", "locked_by",
                  "lock_owner", "source"})


def restricted_row(record: T) -> T:
    """A copy of a list record (archive StudyRecord, worklist Exam) with every other text field emptied (new
    fields too: kept ones are named) and the patient's name replaced by RESTRICTED."""
    changes = {}
    for item in fields(record):
        value = getattr(record, item.name)
        if item.name not in KEPT and isinstance(value, str) and not isinstance(value, Enum):
            changes[item.name] = ""
    if "patient_name" in changes:
        changes["patient_name"] = RESTRICTED_NAME
    return replace(record, **changes)
