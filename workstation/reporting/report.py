"""The radiology report: the exam it is about, its sections, key images, signatures and addenda.

A report is an immutable value; editing returns a new one. Once signed final its text never changes again:
corrections are addenda, each signed on its own.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict, dataclass, field, replace
from enum import Enum


class ReportStatus(str, Enum):
    DRAFT = "draft"
    PRELIMINARY = "preliminary"
    FINAL = "final"


class SignatureKind(str, Enum):
    PRELIMINARY = "preliminary"  # a resident's reading, to be confirmed by a senior
    FINAL = "final"


@dataclass(frozen=True)
class Exam:
    """What the report is about (from the worklist or the study's header)."""

    accession_number: str
    patient_id: str = ""
    patient_name: str = ""
    patient_birth_date: str = ""
    patient_sex: str = ""
    issuer_of_patient_id: str = ""
    study_instance_uid: str = ""
    study_date: str = ""
    study_time: str = ""
    study_id: str = ""
    modality: str = ""
    procedure: str = ""
    referring_physician: str = ""
    institution_name: str = ""


@dataclass(frozen=True)
class Section:
    name: str
    text: str = ""


@dataclass(frozen=True)
class KeyImage:
    """An image the radiologist flagged while reading; referenced by the Key Object Selection."""

    sop_class_uid: str
    sop_instance_uid: str
    series_instance_uid: str
    frame_number: int | None = None


@dataclass(frozen=True)
class Signature:
    signer: str
    kind: SignatureKind
    signed_at: float


@dataclass(frozen=True)
class Addendum:
    text: str
    signature: Signature


@dataclass(frozen=True)
class Report:
    report_id: str
    exam: Exam
    sections: tuple[Section, ...]
    author: str
    template_id: str = ""
    status: ReportStatus = ReportStatus.DRAFT
    version: int = 0
    signatures: tuple[Signature, ...] = ()
    addenda: tuple[Addendum, ...] = ()
    key_images: tuple[KeyImage, ...] = ()
    dictation_ids: tuple[str, ...] = ()
    created_at: float = field(default_factory=time.time)

    @classmethod
    def new(cls, exam: Exam, author: str, sections: tuple[Section, ...], template_id: str = "") -> "Report":
        return cls(report_id=uuid.uuid4().hex[:16], exam=exam, sections=sections, author=author, template_id=template_id)

    @property
    def signed(self) -> bool:
        return self.status is not ReportStatus.DRAFT

    def section_text(self, name: str) -> str:
        return next((section.text for section in self.sections if section.name.lower() == name.lower()), "")

    def with_section(self, name: str, text: str) -> "Report":
        """The report with section ``name`` set to ``text`` (added at the end if the template lacks it)."""
        if self.status is ReportStatus.FINAL:
            raise ValueError("a final report is not edited; add an addendum")
        names = [section.name.lower() for section in self.sections]
        if name.lower() in names:
            sections = tuple(Section(s.name, text) if s.name.lower() == name.lower() else s for s in self.sections)
        else:
            sections = (*self.sections, Section(name, text))
        return replace(self, sections=sections)

    def with_key_image(self, image: KeyImage) -> "Report":
        if image in self.key_images:
            return replace(self, key_images=tuple(item for item in self.key_images if item != image))
        return replace(self, key_images=(*self.key_images, image))

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, value: dict) -> "Report":
        def signature(item: dict) -> Signature:
            return Signature(signer=item["signer"], kind=SignatureKind(item["kind"]), signed_at=item["signed_at"])

        return cls(
            report_id=value["report_id"], exam=Exam(**value["exam"]),
            sections=tuple(Section(**item) for item in value["sections"]), author=value["author"],
            template_id=value.get("template_id", ""), status=ReportStatus(value["status"]),
            version=value.get("version", 0), signatures=tuple(signature(item) for item in value.get("signatures", ())),
            addenda=tuple(Addendum(text=item["text"], signature=signature(item["signature"]))
                          for item in value.get("addenda", ())),
            key_images=tuple(KeyImage(**item) for item in value.get("key_images", ())),
            dictation_ids=tuple(value.get("dictation_ids", ())), created_at=value.get("created_at", 0.0),
        )
