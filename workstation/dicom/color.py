"""Colour images to 8-bit RGB for display: palette colour through its LUTs, RGB scaled from its bit depth.

YBR_FULL, YBR_FULL_422, YBR_ICT and YBR_RCT arrive here already as RGB: pydicom's decoding converts
them (``convert_color_space`` for YBR_FULL*, the JPEG 2000 codec for ICT/RCT).
"""

from __future__ import annotations

import numpy as np
from pydicom.dataset import Dataset
from pydicom.pixels import apply_color_lut

from workstation.dicom.pixels import decoding_failure

_DECODED_AS_RGB = ("RGB", "YBR_FULL", "YBR_FULL_422", "YBR_ICT", "YBR_RCT")


def is_colour(dataset: Dataset) -> bool:
    """Colour images skip the grey pipeline (modality LUT, VOI, presentation)."""
    return int(dataset.get("SamplesPerPixel", 1) or 1) > 1 or _photometric(dataset) == "PALETTE COLOR"


def display_rgb(dataset: Dataset, decoded: np.ndarray) -> np.ndarray:
    """One decoded colour frame -> uint8 (rows, columns, 3)."""
    photometric = _photometric(dataset)
    if photometric == "PALETTE COLOR":
        return _palette_to_rgb(dataset, decoded)
    if photometric not in _DECODED_AS_RGB or decoded.ndim != 3 or decoded.shape[-1] != 3:
        raise decoding_failure(dataset, f"colour images in Photometric Interpretation {photometric!r} are not supported")
    bits_stored = int(dataset.get("BitsStored", decoded.dtype.itemsize * 8) or 8)
    return _to_8_bits(decoded, bits_stored)


def _palette_to_rgb(dataset: Dataset, indices: np.ndarray) -> np.ndarray:
    try:
        rgb = apply_color_lut(indices, dataset)
        entry_bits = int(dataset.RedPaletteColorLookupTableDescriptor[2])
    except (AttributeError, IndexError, KeyError, ValueError, TypeError) as error:
        raise decoding_failure(dataset, f"the palette colour lookup tables are missing or malformed ({error})") from error
    if entry_bits > 8 and int(rgb.max(initial=0)) <= 255:
        # PS3.3 C.7.6.3.1.5 allows 16-bit entries that hold 8-bit values; seen in older ultrasound files
        entry_bits = 8
    return _to_8_bits(rgb, entry_bits)


def _to_8_bits(values: np.ndarray, bits: int) -> np.ndarray:
    if bits <= 8:
        return values.astype(np.uint8, copy=False)
    return np.right_shift(values, bits - 8).astype(np.uint8)


def _photometric(dataset: Dataset) -> str:
    return str(dataset.get("PhotometricInterpretation", "MONOCHROME2")).strip().upper()
