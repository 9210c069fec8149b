"""Worklist entries for the demo studies, so the embedded default shows a populated worklist on first start:
MWL items (``.wl`` files) for the demo Orthanc's worklist plugin, and HL7 orders (one STAT from the
emergency department) for the listener."""

from __future__ import annotations

import time
from pathlib import Path

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from workstation.demo.catalog import CHEST_CT_CURRENT, CHEST_RADIOGRAPH_CURRENT, HEAD_MR, DemoStudy
from workstation.demo.catalog import ISSUER_OF_PATIENT_ID, INSTITUTION_NAME, HEAD_MR_PATIENT

MODALITY_WORKLIST_FIND = "1.2.840.10008.5.1.4.31"
MWL_STUDIES: tuple[tuple[DemoStudy, str], ...] = ((HEAD_MR, "MR"), (CHEST_RADIOGRAPH_CURRENT, "DX"))
PENDING_ORDER_ACCESSION = "DEMOA0202"
"""An HL7 order with no images yet (it shows as scheduled)."""


def worklist_item(study: DemoStudy, modality: str, priority: str = "ROUTINE") -> Dataset:
    dataset = Dataset()
    dataset.SpecificCharacterSet = "ISO_IR 100"
    dataset.AccessionNumber = study.accession_number
    dataset.PatientName = study.patient.patient_name
    dataset.PatientID = study.patient.patient_id
    dataset.IssuerOfPatientID = ISSUER_OF_PATIENT_ID
    dataset.PatientBirthDate = study.patient.birth_date
    dataset.PatientSex = study.patient.sex
    dataset.InstitutionName = INSTITUTION_NAME
    dataset.RequestedProcedureID = study.study_id
    dataset.RequestedProcedureDescription = study.study_description
    dataset.RequestedProcedurePriority = priority
    step = Dataset()
    step.Modality = modality
    step.ScheduledStationAETitle = "DEMO" + modality
    step.ScheduledProcedureStepStartDate = study.study_date
    step.ScheduledProcedureStepStartTime = study.study_time
    step.ScheduledProcedureStepDescription = study.study_description
    step.ScheduledProcedureStepID = study.study_id
    dataset.ScheduledProcedureStepSequence = [step]
    return dataset


def write_worklist_file(dataset: Dataset, path: Path) -> Path:
    """A ``.wl`` file as Orthanc's worklist plugin and DCMTK's wlmscpfs read them (DICOM file format)."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = MODALITY_WORKLIST_FIND
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    dataset.file_meta = meta
    path.parent.mkdir(parents=True, exist_ok=True)
    dataset.save_as(path, enforce_file_format=True)
    return path


def write_demo_worklist(folder: Path) -> list[Path]:
    return [write_worklist_file(worklist_item(study, modality), folder / f"{study.accession_number}.wl")
            for study, modality in MWL_STUDIES]


def order_message(control_id: str, accession: str, patient: tuple[str, str, str, str], procedure: str,
                  modality: str, priority: str, patient_class: str, order_control: str = "NW") -> str:
    """An ORM^O01 as a RIS sends it; ``patient`` is (id, name, birth date, sex)."""
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
    patient_id, name, birth_date, sex = patient
    return "\r".join((
        f"MSH|^~\\&|RIS|{INSTITUTION_NAME}|WORKSTATION|RADIOLOGY|{stamp}||ORM^O01|{control_id}|P|2.3",
        f"PID|1||{patient_id}^^^{ISSUER_OF_PATIENT_ID}||{name}||{birth_date}|{sex}",
        f"PV1|1|{patient_class}",
        f"ORC|{order_control}|{accession}|{accession}||||^^^^^{priority}||{stamp}",
        f"OBR|1|{accession}|{accession}|{accession}^{procedure}|||||||||||^^^{procedure.split()[1].upper()}"
        f"|||{accession}||||||{modality}|||^^^^^{priority}",
    )) + "\r"


def demo_orders() -> list[str]:
    """HL7 orders: the current chest CT as a STAT from the emergency department, and a head CT not yet done."""
    ct = CHEST_CT_CURRENT
    mr = HEAD_MR_PATIENT
    return [
        order_message("DEMO-ORM-0001", ct.accession_number,
                      (ct.patient.patient_id, ct.patient.patient_name, ct.patient.birth_date, ct.patient.sex),
                      ct.study_description, "CT", "S", "E"),
        order_message("DEMO-ORM-0002", PENDING_ORDER_ACCESSION,
                      (mr.patient_id, mr.patient_name, mr.birth_date, mr.sex), "CT Head without contrast", "CT", "R", "O"),
    ]
