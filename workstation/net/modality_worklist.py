"""DICOM Modality Worklist (MWL) C-FIND: the scheduled procedure steps a RIS publishes for a node.

The reading worklist (workstation/worklist/) turns these into exams; this module only speaks DIMSE.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from pydicom.dataset import Dataset
from pynetdicom import build_context
from pynetdicom.sop_class import ModalityWorklistInformationFind

from workstation.net.association import association, lost_association_message
from workstation.net.errors import PacsError
from workstation.net.query_results import _text
from workstation.settings.pacs_nodes import LocalNode, PacsNode

log = logging.getLogger(__name__)

_PENDING = (0xFF00, 0xFF01)
_STEP_KEYS = (
    "Modality", "ScheduledStationAETitle", "ScheduledProcedureStepStartDate", "ScheduledProcedureStepStartTime",
    "ScheduledProcedureStepDescription", "ScheduledProcedureStepID", "ScheduledPerformingPhysicianName",
)
_TOP_KEYS = (
    "AccessionNumber", "PatientName", "PatientID", "IssuerOfPatientID", "PatientBirthDate", "PatientSex",
    "StudyInstanceUID", "RequestedProcedureID", "RequestedProcedureDescription", "RequestedProcedurePriority",
    "ReferringPhysicianName", "AdmissionID", "InstitutionName",
)


@dataclass(frozen=True)
class ScheduledProcedureStep:
    """One MWL item: the order (accession, requested procedure) and its first scheduled step."""

    accession_number: str
    patient_id: str
    issuer_of_patient_id: str
    patient_name: str
    birth_date: str
    sex: str
    study_instance_uid: str
    requested_procedure_description: str
    requested_procedure_priority: str
    modality: str
    scheduled_station_aet: str
    start_date: str
    start_time: str
    step_description: str
    institution_name: str

    @classmethod
    def from_dataset(cls, dataset: Dataset) -> "ScheduledProcedureStep":
        steps = dataset.get("ScheduledProcedureStepSequence") or [Dataset()]
        step = steps[0]
        return cls(
            accession_number=_text(dataset, "AccessionNumber"),
            patient_id=_text(dataset, "PatientID"),
            issuer_of_patient_id=_text(dataset, "IssuerOfPatientID"),
            patient_name=_text(dataset, "PatientName"),
            birth_date=_text(dataset, "PatientBirthDate"),
            sex=_text(dataset, "PatientSex"),
            study_instance_uid=_text(dataset, "StudyInstanceUID"),
            requested_procedure_description=_text(dataset, "RequestedProcedureDescription"),
            requested_procedure_priority=_text(dataset, "RequestedProcedurePriority"),
            modality=_text(step, "Modality"),
            scheduled_station_aet=_text(step, "ScheduledStationAETitle"),
            start_date=_text(step, "ScheduledProcedureStepStartDate"),
            start_time=_text(step, "ScheduledProcedureStepStartTime"),
            step_description=_text(step, "ScheduledProcedureStepDescription"),
            institution_name=_text(dataset, "InstitutionName"),
        )


def worklist_identifier(modality: str = "", station_aet: str = "", start_date: str = "") -> Dataset:
    """The MWL query: every return key empty, matching on modality, station and date when given."""
    step = Dataset()
    for keyword in _STEP_KEYS:
        setattr(step, keyword, "")
    step.Modality = modality
    step.ScheduledStationAETitle = station_aet
    step.ScheduledProcedureStepStartDate = start_date
    dataset = Dataset()
    for keyword in _TOP_KEYS:
        setattr(dataset, keyword, "")
    dataset.ScheduledProcedureStepSequence = [step]
    return dataset


def find_scheduled_steps(
    node: PacsNode, local: LocalNode, modality: str = "", station_aet: str = "", start_date: str = ""
) -> list[ScheduledProcedureStep]:
    """All MWL items the node holds matching the filters; raises PacsError if it cannot be asked."""
    found: list[ScheduledProcedureStep] = []
    query = worklist_identifier(modality, station_aet, start_date)
    with association(node, local, [build_context(ModalityWorklistInformationFind)]) as assoc:
        last_message_at = time.monotonic()
        for status, match in assoc.send_c_find(query, ModalityWorklistInformationFind):
            if not status:
                raise PacsError(lost_association_message(node, assoc, "the worklist query", last_message_at))
            last_message_at = time.monotonic()
            if status.Status in _PENDING:
                if match is not None:
                    found.append(ScheduledProcedureStep.from_dataset(match))
            elif status.Status != 0x0000:
                log.error("MWL C-FIND at %s failed with status 0x%04X", node.address, status.Status)
                raise PacsError(
                    f"The worklist server {node.name!r} could not answer the worklist query "
                    f"(status 0x{status.Status:04X}); check its log."
                )
    log.info("MWL C-FIND at %s: %d scheduled steps", node.address, len(found))
    return found
