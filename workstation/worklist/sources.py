"""Work arriving from DICOM: MWL items become exams, and the PACS says which exams have images and how
many ("images complete" once the count stops growing between two polls). ``WorklistPoller`` runs both on
a thread and keeps, per source, the last failure for the banner; the next good poll clears it."""

from __future__ import annotations

import calendar
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from workstation.core.errors import WorkstationError
from workstation.net.modality_worklist import ScheduledProcedureStep, find_scheduled_steps
from workstation.net.query import query_studies
from workstation.settings.pacs_nodes import LocalNode, PacsNode
from workstation.worklist.exam import Exam, Priority, ReadingStatus
from workstation.worklist.store import WorklistStore

log = logging.getLogger(__name__)

MWL_SOURCE = "worklist server"
PACS_SOURCE = "PACS"
MWL_USER = "MWL"  # who the store records for changes the MWL poll makes


def dicom_time(date: str, time_of_day: str = "") -> float:
    digits = (date[:8] + "".join(ch for ch in time_of_day if ch.isdigit())[:6]).ljust(14, "0")
    try:
        return float(calendar.timegm(time.strptime(digits, "%Y%m%d%H%M%S"))) if len(date) >= 8 else 0.0
    except ValueError:
        return 0.0


def exam_from_step(step: ScheduledProcedureStep) -> Exam:
    return Exam(
        accession_number=step.accession_number,
        patient_id=step.patient_id,
        issuer_of_patient_id=step.issuer_of_patient_id,
        patient_name=step.patient_name,
        birth_date=step.birth_date,
        sex=step.sex,
        procedure=step.requested_procedure_description or step.step_description,
        modality=step.modality,
        site=step.institution_name,
        priority=Priority.from_hl7(step.requested_procedure_priority),
        ordered_at=dicom_time(step.start_date, step.start_time),
        study_instance_uid=step.study_instance_uid,
        source="MWL",
    )


def sync_modality_worklist(store: WorklistStore, node: PacsNode, local: LocalNode, modality: str = "",
                           station_aet: str = "") -> int:
    """Add or update an exam for every MWL item; returns how many items the server listed."""
    return len(listed_modality_worklist(store, node, local, modality, station_aet))


def listed_modality_worklist(store: WorklistStore, node: PacsNode, local: LocalNode, modality: str = "",
                             station_aet: str = "") -> set[str]:
    """Add or update an exam for every MWL item; returns the accession numbers the server listed."""
    steps = [step for step in find_scheduled_steps(node, local, modality, station_aet) if step.accession_number]
    for step in steps:
        store.upsert_order(exam_from_step(step), user=MWL_USER)
    return {step.accession_number for step in steps}


def withdraw_vanished_items(store: WorklistStore, seen_before: set[str], listed: set[str]) -> list[str]:
    """Items an earlier poll listed and this one did not were removed on the MWL server: cancelled as an HL7
    cancel would be, unless the exam has started (images, a lock, a status past scheduled)."""
    return [accession for accession in sorted(seen_before - listed) if store.withdraw(accession, user=MWL_USER)]


def sync_image_availability(store: WorklistStore, node: PacsNode, local: LocalNode) -> int:
    """Ask the PACS about every unread exam whose images are not known complete (by Study Instance UID when
    the order carries one, else by accession number), and about exams lately withdrawn from the MWL server
    (images found: the modality performed it, so it is listed again); returns exams updated."""
    updated = 0
    waiting = (ReadingStatus.SCHEDULED, ReadingStatus.IMAGES_AVAILABLE, ReadingStatus.CANCELLED)
    for exam in store.exams(include_done=False) + store.withdrawn_exams(user=MWL_USER):
        if exam.images_complete or exam.status not in waiting:
            continue
        match = ({"StudyInstanceUID": exam.study_instance_uid} if exam.study_instance_uid
                 else {"AccessionNumber": exam.accession_number})
        found = query_studies(node, local, **match)
        count = sum(study.number_of_instances or 0 for study in found)
        if count == 0:
            continue
        if exam.status == ReadingStatus.CANCELLED:
            log.info("exam %s withdrawn from the MWL server has images: listed again", exam.accession_number)
            store.upsert_order(exam, user=PACS_SOURCE)  # a cancelled order placed again is scheduled again
        complete = count == exam.image_count
        if count != exam.image_count or complete:
            first = found[0]
            store.record_images(exam.accession_number, count, complete, study_instance_uid=first.study_instance_uid,
                                performed_at=dicom_time(first.study_date, first.study_time))
            updated += 1
        if exam.patient_id and not exam.prior_count:
            priors = [study for study in query_studies(node, local, PatientID=exam.patient_id)
                      if study.study_instance_uid not in (exam.study_instance_uid, found[0].study_instance_uid)]
            store.record_prior_count(exam.accession_number, len(priors))
    return updated


@dataclass
class WorklistPoller:
    """Polls the MWL node and the PACS every ``interval`` seconds on a thread."""

    store: WorklistStore
    local: LocalNode
    mwl_node: PacsNode | None = None
    pacs_node: PacsNode | None = None
    interval: float = 30.0
    modality: str = ""
    station_aet: str = ""
    on_change: Callable[[], None] | None = None
    problems: dict[str, str] = field(default_factory=dict)
    _listed_before: set[str] | None = field(default=None, init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)

    def poll_once(self) -> None:
        listed: set[str] | None = None
        if self.mwl_node is not None:
            def read_mwl() -> int:
                nonlocal listed
                listed = listed_modality_worklist(self.store, self.mwl_node, self.local, self.modality, self.station_aet)
                return len(listed)

            self._run(MWL_SOURCE, read_mwl)
        if self.pacs_node is not None:
            self._run(PACS_SOURCE, lambda: sync_image_availability(self.store, self.pacs_node, self.local))
        if listed is not None:  # after the PACS poll, so an exam whose images just arrived is not cancelled
            seen_before, self._listed_before = self._listed_before, listed
            if seen_before:
                self._run(MWL_SOURCE, lambda: len(withdraw_vanished_items(self.store, seen_before, listed)))
        if self.on_change is not None:
            self.on_change()

    def _run(self, source: str, work: Callable[[], int]) -> None:
        try:
            work()
        except WorkstationError as error:
            if self.problems.get(source) != str(error):
                log.error("worklist source %s failed: %s", source, error)
            self.problems[source] = str(error)
            return
        if self.problems.pop(source, None) is not None:
            log.info("worklist source %s is back", source)

    def start(self) -> "WorklistPoller":
        self._thread = threading.Thread(target=self._loop, name="worklist-poller", daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.poll_once()
            self._stop.wait(self.interval)

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
