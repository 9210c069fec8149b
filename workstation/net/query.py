"""Study search through whichever protocol the node speaks: QIDO-RS for DICOMweb nodes, C-FIND otherwise."""

from __future__ import annotations

from workstation.net.dicomweb import qido_studies
from workstation.net.find import find_studies
from workstation.net.query_results import RemoteStudy
from workstation.settings.pacs_nodes import LocalNode, PacsNode


def query_studies(node: PacsNode, local: LocalNode, **match: str) -> list[RemoteStudy]:
    """Studies matching DICOM keywords (PatientID, AccessionNumber, StudyDate as ``YYYYMMDD-YYYYMMDD``)."""
    if node.retrieve_method == "web" and not node.aet:
        return qido_studies(node, **match)
    return find_studies(node, local, **match)
