"""Relevant prior studies: the same patient's other studies, ranked, and prefetched in the background.

The same patient means the same PatientID within the same IssuerOfPatientID (an empty issuer only
matches an empty issuer: two hospitals may reuse an ID). Ranking puts the same modality first, then
the same body region (words of the study description), then the most recent date before the current.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from workstation.net.errors import PacsError
from workstation.net.job_queue import JobListener, Priority, RetrieveJob, RetrieveQueues
from workstation.net.query import query_studies
from workstation.net.query_results import RemoteStudy
from workstation.settings.pacs_nodes import LocalNode, PacsNode

log = logging.getLogger(__name__)

_WORD = re.compile(r"[A-Za-z]{3,}")
_GENERIC_WORDS = {"with", "without", "contrast", "and", "the", "study", "scan", "exam"}


def _region_words(description: str) -> set[str]:
    return {word.lower() for word in _WORD.findall(description)} - _GENERIC_WORDS


def relevance(current: RemoteStudy, candidate: RemoteStudy) -> tuple[int, int, int, int]:
    """Sort key (smaller is more relevant): modality match, region match, before/after, newest first."""
    same_modality = bool(set(current.modalities) & set(candidate.modalities))
    same_region = bool(_region_words(current.study_description) & _region_words(candidate.study_description))
    is_before = candidate.study_date <= current.study_date if current.study_date else True
    date = int(candidate.study_date) if candidate.study_date.isdigit() else 0
    return (0 if same_modality else 1, 0 if same_region else 1, 0 if is_before else 1, -date)


def rank_priors(current: RemoteStudy, candidates: list[RemoteStudy]) -> list[RemoteStudy]:
    """The same patient's other studies, most relevant first."""
    same_patient = [
        study for study in candidates
        if study.study_instance_uid != current.study_instance_uid
        and study.patient_id == current.patient_id
        and study.issuer_of_patient_id == current.issuer_of_patient_id
    ]
    return sorted(same_patient, key=lambda study: relevance(current, study))


def find_priors(node: PacsNode, local: LocalNode, study_instance_uid: str,
                visible: Callable[[list[RemoteStudy]], list[RemoteStudy]] | None = None) -> list[RemoteStudy]:
    """Ranked priors; ``visible`` drops those the reader may not see (confidential exams, security.access)."""
    found = query_studies(node, local, StudyInstanceUID=study_instance_uid)
    if not found:
        raise PacsError(f"PACS {node.name!r} does not know study {study_instance_uid}; no priors to look for.")
    current = found[0]
    match = {"PatientID": current.patient_id}
    if current.issuer_of_patient_id:
        match["IssuerOfPatientID"] = current.issuer_of_patient_id
    candidates = query_studies(node, local, **match)
    return rank_priors(current, visible(candidates) if visible is not None else candidates)


def prefetch_priors(queues: RetrieveQueues, node: PacsNode, local: LocalNode, study_instance_uid: str,
                    count: int, listener: JobListener | None = None,
                    visible: Callable[[list[RemoteStudy]], list[RemoteStudy]] | None = None) -> list[RetrieveJob]:
    """Queue the ``count`` most relevant priors at low priority (after the current study on that node)."""
    priors = find_priors(node, local, study_instance_uid, visible)[:count]
    log.info("prefetching %d priors of %s from %s", len(priors), study_instance_uid, node.address)
    return [queues.submit(node, prior.study_instance_uid, priority=Priority.PRIOR, listener=listener)
            for prior in priors]
