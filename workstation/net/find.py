"""C-FIND at patient, study, series and image level (Patient Root for patients, Study Root otherwise)."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

from pydicom.dataset import Dataset
from pynetdicom import build_context
from pynetdicom.sop_class import (
    PatientRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelFind,
)

from workstation.net.association import association, lost_association_message
from workstation.net.errors import PacsError
from workstation.net.query_results import (
    RETURN_KEYS, RemoteInstance, RemotePatient, RemoteSeries, RemoteStudy,
)
from workstation.settings.pacs_nodes import LocalNode, PacsNode

log = logging.getLogger(__name__)

LEVELS = tuple(RETURN_KEYS)
_PENDING = (0xFF00, 0xFF01)
_CANCELLED = 0xFE00
_MESSAGE_ID = 1


def identifier(level: str, match: Mapping[str, str]) -> Dataset:
    """The C-FIND identifier: the level's return keys (empty = "send it back") plus the match keys."""
    dataset = Dataset()
    dataset.QueryRetrieveLevel = level
    for keyword in RETURN_KEYS[level]:
        setattr(dataset, keyword, "")
    for keyword, value in match.items():
        setattr(dataset, keyword, value)
    return dataset


def c_find(node: PacsNode, local: LocalNode, level: str, match: Mapping[str, str],
           limit: int | None = None) -> list[Dataset]:
    """The matches of one C-FIND; raises PacsError if the PACS fails or the connection drops.

    C-FIND has no server-side limit: with ``limit``, once that many matches are in, a C-CANCEL asks the
    PACS to stop, and whatever it still sends before its final response is read and dropped.
    """
    if level not in LEVELS:
        raise ValueError(f"query level {level!r} is not one of {LEVELS}")
    model = PatientRootQueryRetrieveInformationModelFind if level == "PATIENT" else (
        StudyRootQueryRetrieveInformationModelFind
    )
    matches: list[Dataset] = []
    cancelled = False
    with association(node, local, [build_context(model)]) as assoc:
        last_message_at = time.monotonic()
        for status, found in assoc.send_c_find(identifier(level, match), model, msg_id=_MESSAGE_ID):
            if not status:
                raise PacsError(lost_association_message(node, assoc, f"the {level.lower()} query", last_message_at))
            last_message_at = time.monotonic()
            if status.Status in _PENDING:
                if found is not None and not cancelled:
                    matches.append(found)
                    if limit is not None and len(matches) >= limit:
                        assoc.send_c_cancel(_MESSAGE_ID, query_model=model)
                        cancelled = True
            elif status.Status == _CANCELLED and cancelled:
                break
            elif status.Status != 0x0000:
                log.error("C-FIND %s at %s failed with status 0x%04X", level, node.address, status.Status)
                raise PacsError(
                    f"PACS {node.name!r} could not run the {level.lower()} query (status 0x{status.Status:04X})."
                )
    log.info("C-FIND %s at %s: %d matches%s", level, node.address, len(matches),
             f" (stopped by C-CANCEL at the limit of {limit})" if cancelled else "")
    return matches


def find_patients(node: PacsNode, local: LocalNode, **match: str) -> list[RemotePatient]:
    return [RemotePatient.from_dataset(found) for found in c_find(node, local, "PATIENT", match)]


def find_studies(node: PacsNode, local: LocalNode, limit: int | None = None, **match: str) -> list[RemoteStudy]:
    """Studies matching DICOM keywords (PatientID, AccessionNumber, StudyDate="20200101-20201231"...),
    at most ``limit`` of them."""
    return [RemoteStudy.from_dataset(found) for found in c_find(node, local, "STUDY", match, limit)]


def find_series(node: PacsNode, local: LocalNode, study_instance_uid: str, **match: str) -> list[RemoteSeries]:
    found = c_find(node, local, "SERIES", {"StudyInstanceUID": study_instance_uid, **match})
    return [RemoteSeries.from_dataset(item) for item in found]


def find_instances(
    node: PacsNode, local: LocalNode, study_instance_uid: str, series_instance_uid: str = ""
) -> list[RemoteInstance]:
    match = {"StudyInstanceUID": study_instance_uid, "SeriesInstanceUID": series_instance_uid}
    return [RemoteInstance.from_dataset(item) for item in c_find(node, local, "IMAGE", match)]

