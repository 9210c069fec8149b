"""Presentation: whether grey display values are inverted (PS3.3 C.7.6.3.1.2, C.8.11.7, C.11.6).

MONOCHROME1 shows its lowest value as white. Presentation LUT Shape INVERSE asks for the same single
inversion: DX requires INVERSE with MONOCHROME1, so the two together invert once, not twice. IDENTITY
is "identity other than to account for the Photometric Interpretation", so MONOCHROME1 still inverts.
"""

from __future__ import annotations

import logging

from pydicom.dataset import Dataset

log = logging.getLogger(__name__)


def is_inverted(dataset: Dataset) -> bool:
    shape = str(dataset.get("PresentationLUTShape", "") or "").strip().upper()
    if shape not in ("", "IDENTITY", "INVERSE"):
        log.warning("Unknown Presentation LUT Shape %r; following the Photometric Interpretation", shape)
    monochrome1 = str(dataset.get("PhotometricInterpretation", "")).strip().upper() == "MONOCHROME1"
    return monochrome1 or shape == "INVERSE"
