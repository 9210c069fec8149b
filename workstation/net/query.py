"""Study search through whichever protocol the node speaks: QIDO-RS for DICOMweb nodes, C-FIND otherwise.

A search must say whose or which studies it wants (patient, accession, date range or study UID): like a
PACS console, an open search over the whole archive is refused, and every search lists at most the
node's ``query_limit`` studies, saying when more match.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from workstation.net.dicomweb import qido_studies
from workstation.net.errors import PacsError
from workstation.net.find import find_studies
from workstation.net.query_results import RemoteStudy, StudyMatches
from workstation.settings.pacs_nodes import LocalNode, PacsNode

log = logging.getLogger(__name__)

# Keys that narrow a study search to some patients or some days; a modality alone does not.
BOUNDING_KEYS = ("PatientID", "PatientName", "AccessionNumber", "StudyDate", "StudyInstanceUID")


class UnboundedSearch(PacsError):
    """A study search with nothing that narrows it: on a real PACS it would list millions of studies."""


def require_bounded(match: Mapping[str, str]) -> None:
    """Raise UnboundedSearch unless a bounding key holds more than wildcards."""
    if not any(str(match.get(key, "")).strip("*?- ") for key in BOUNDING_KEYS):
        raise UnboundedSearch("Give a patient ID or name, an accession number or a study date range: a search "
                              "without one would list the whole PACS.")


def search_studies(node: PacsNode, local: LocalNode, match: Mapping[str, str], *, limit: int | None = None,
                   browse: bool = False) -> StudyMatches:
    """The user's study search: bounded (unless ``browse``, a deliberate capped listing), at most ``limit``
    studies (default the node's ``query_limit``); one more is asked for, to know whether more match."""
    if not browse:
        require_bounded(match)
    limit = limit or node.query_limit
    keys = {keyword: value for keyword, value in match.items() if value}
    if node.retrieve_method == "web" and not node.aet:
        found = qido_studies(node, limit=limit + 1, **keys)
    else:
        found = find_studies(node, local, limit=limit + 1, **keys)
    return StudyMatches(found[:limit], limit, len(found) > limit)


def query_studies(node: PacsNode, local: LocalNode, **match: str) -> list[RemoteStudy]:
    """Studies matching DICOM keywords (PatientID, AccessionNumber, StudyDate as ``YYYYMMDD-YYYYMMDD``), for
    the workstation's own look-ups (a study by UID, a patient's priors); bounded and capped like a user's."""
    matches = search_studies(node, local, match)
    if matches.more:
        log.warning("study query on %s matched more than %d studies; only the first %d are used",
                    node.address, matches.limit, matches.limit)
    return matches.studies
