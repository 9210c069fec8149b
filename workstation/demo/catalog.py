"""The demo patients and studies: who they are, when they were imaged, and what each study shows.

Priors are the same patient (PatientID + IssuerOfPatientID), modality and body part, dated earlier;
hanging protocols and synchronised scrolling are tried out on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

ISSUER_OF_PATIENT_ID = "WORKSTATION-DEMO"
INSTITUTION_NAME = "Demo Radiology"


class DemoKind(Enum):
    CHEST_CT = "chest_ct"
    HEAD_MR = "head_mr"
    CHEST_RADIOGRAPH = "chest_radiograph"


@dataclass(frozen=True)
class DemoPatient:
    patient_id: str
    patient_name: str
    birth_date: str
    sex: str


@dataclass(frozen=True)
class DemoStudy:
    """One synthetic study; ``key`` names its folder and seeds its UIDs (never patient data)."""

    key: str
    kind: DemoKind
    patient: DemoPatient
    study_date: str
    study_time: str
    accession_number: str
    study_description: str
    body_part_examined: str
    nodule_radius_mm: float = 0.0

    @property
    def study_id(self) -> str:
        return self.accession_number[-4:]


CHEST_CT_PATIENT = DemoPatient("DEMO0001", "Demo^Avery", "19580214", "F")
HEAD_MR_PATIENT = DemoPatient("DEMO0002", "Demo^Blake", "19710903", "M")
CHEST_RADIOGRAPH_PATIENT = DemoPatient("DEMO0003", "Demo^Casey", "19490627", "M")

CHEST_CT_PRIOR = DemoStudy(
    "chest-ct-prior", DemoKind.CHEST_CT, CHEST_CT_PATIENT, "20240312", "091500", "DEMOA0101",
    "CT Chest without contrast", "CHEST", nodule_radius_mm=3.0,
)
CHEST_CT_CURRENT = DemoStudy(
    "chest-ct-current", DemoKind.CHEST_CT, CHEST_CT_PATIENT, "20250311", "103000", "DEMOA0102",
    "CT Chest without contrast", "CHEST", nodule_radius_mm=5.5,
)
HEAD_MR = DemoStudy(
    "head-mr", DemoKind.HEAD_MR, HEAD_MR_PATIENT, "20250220", "141000", "DEMOA0201",
    "MR Head without contrast", "HEAD",
)
CHEST_RADIOGRAPH_PRIOR = DemoStudy(
    "chest-dx-prior", DemoKind.CHEST_RADIOGRAPH, CHEST_RADIOGRAPH_PATIENT, "20230905", "082000", "DEMOA0301",
    "XR Chest PA", "CHEST",
)
CHEST_RADIOGRAPH_CURRENT = DemoStudy(
    "chest-dx-current", DemoKind.CHEST_RADIOGRAPH, CHEST_RADIOGRAPH_PATIENT, "20250402", "115500", "DEMOA0302",
    "XR Chest PA", "CHEST", nodule_radius_mm=9.0,
)

DEMO_STUDIES: tuple[DemoStudy, ...] = (
    CHEST_CT_PRIOR, CHEST_CT_CURRENT, HEAD_MR, CHEST_RADIOGRAPH_PRIOR, CHEST_RADIOGRAPH_CURRENT,
)
