"""An exam on the reading worklist (one order, one accession number) and its reading status."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from enum import Enum


class ReadingStatus(str, Enum):
    """Where an exam is in its reading; the order is the radiologist's workflow."""

    SCHEDULED = "scheduled"
    IMAGES_AVAILABLE = "images_available"
    IN_PROGRESS = "in_progress"
    DICTATED = "dictated"
    PRELIMINARY = "preliminary"
    FINAL = "final"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class Priority(str, Enum):
    STAT = "STAT"
    URGENT = "urgent"
    ROUTINE = "routine"

    @property
    def rank(self) -> int:
        """0 reads first."""
        return (Priority.STAT, Priority.URGENT, Priority.ROUTINE).index(self)

    @classmethod
    def from_hl7(cls, code: str) -> "Priority":
        """HL7 v2 priority (table 0027: S stat, A ASAP, R routine...) or a DICOM RequestedProcedurePriority."""
        code = (code or "").strip().upper()
        if code in ("S", "STAT"):
            return cls.STAT
        if code in ("A", "P", "C", "HIGH", "ASAP", "URGENT"):
            return cls.URGENT
        return cls.ROUTINE


@dataclass
class Exam:
    """What the worklist row shows. Times are seconds since the epoch (UTC); 0 means unknown."""

    accession_number: str
    patient_id: str = ""
    issuer_of_patient_id: str = ""
    patient_name: str = ""
    birth_date: str = ""
    sex: str = ""
    procedure: str = ""
    modality: str = ""
    body_part: str = ""
    site: str = ""
    priority: Priority = Priority.ROUTINE
    emergency: bool = False
    ordered_at: float = 0.0
    performed_at: float = 0.0
    study_instance_uid: str = ""
    status: ReadingStatus = ReadingStatus.SCHEDULED
    locked_by: str = ""
    lock_owner: str = ""
    lock_expires: float = 0.0
    image_count: int = 0
    images_complete: bool = False
    prior_count: int = 0
    source: str = ""
    confidential: bool = False  # the RIS flagged the order (HL7 VIP): every station hides it from other readers

    def is_locked(self, now: float | None = None) -> bool:
        return bool(self.lock_owner) and self.lock_expires > (time.time() if now is None else now)

    def age(self, today: str = "") -> str:
        """Age in years as the row shows it ("67 Y"), from the birth date (YYYYMMDD)."""
        if len(self.birth_date) < 8 or not self.birth_date[:8].isdigit():
            return ""
        today = today or time.strftime("%Y%m%d", time.gmtime())
        years = int(today[:4]) - int(self.birth_date[:4]) - (today[4:8] < self.birth_date[4:8])
        return f"{years} Y"

    def waiting_seconds(self, now: float | None = None) -> float:
        start = max(self.performed_at, self.ordered_at)
        return max(0.0, (time.time() if now is None else now) - start) if start else 0.0

    def reading_order(self) -> tuple:
        """Sort key for "open next": STAT first, emergency department first, then longest waiting."""
        return (self.priority.rank, not self.emergency, self.performed_at or self.ordered_at or float("inf"),
                self.accession_number)

    def as_json(self) -> dict:
        data = asdict(self)
        data["priority"] = self.priority.value
        data["status"] = self.status.value
        return data


@dataclass(frozen=True)
class Transition:
    """One recorded status change: who, when, from what to what."""

    accession_number: str
    from_status: ReadingStatus | None
    to_status: ReadingStatus
    user: str
    at: float = field(default_factory=time.time)
