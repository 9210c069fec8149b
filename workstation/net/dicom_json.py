"""A few values of a QIDO-RS answer (DICOM JSON) read without pydicom.

A whole-study retrieve by DICOMweb asks only for instance counts and the middle slice; reading those
through pydicom would cost the command ~0.2 s to import it. ``JsonAttributes`` offers the ``get(keyword)``
that ``query_results`` reads, for the keywords listed here.
"""

from __future__ import annotations

TAGS = {
    "StudyInstanceUID": "0020000D",
    "SeriesInstanceUID": "0020000E",
    "SOPInstanceUID": "00080018",
    "SOPClassUID": "00080016",
    "Modality": "00080060",
    "SeriesNumber": "00200011",
    "SeriesDescription": "0008103E",
    "BodyPartExamined": "00180015",
    "InstanceNumber": "00200013",
    "NumberOfSeriesRelatedInstances": "00201209",
    "NumberOfStudyRelatedInstances": "00201208",
    "SOPClassesInStudy": "00080062",
}


class JsonAttributes:
    """One DICOM JSON object read by keyword: None when absent or empty, a list when multi-valued."""

    def __init__(self, item: dict) -> None:
        self._item = item

    def get(self, keyword: str) -> object:
        element = self._item.get(TAGS[keyword])
        values = element.get("Value") if isinstance(element, dict) else None
        if not values:
            return None
        return values[0] if len(values) == 1 else list(values)
