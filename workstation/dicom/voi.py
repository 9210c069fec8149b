"""Values of interest: window presets from the header and the VOI functions of PS3.3 C.11.2.1.

All functions here map modality values to display values in [0, 255] (float), leaving presentation
(inversion) and quantisation to the caller, so a lookup table can be built from them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from pydicom.dataset import Dataset
from pydicom.pixels import apply_voi

from workstation.dicom.frame_groups import frame_group_item
from workstation.dicom.pixels import decoding_failure

log = logging.getLogger(__name__)

VOI_LUT_FUNCTIONS = ("LINEAR", "LINEAR_EXACT", "SIGMOID")
DISPLAY_MAX = 255.0


@dataclass(frozen=True)
class WindowLevel:
    """A window in modality values (Window Center/Width, PS3.3 C.11.2.1.2); ``name`` from the header's explanation."""

    center: float
    width: float
    name: str = ""


def header_window_presets(dataset: Dataset, frame_index: int = 0) -> list[WindowLevel]:
    """Every Window Center/Width pair the header offers for a frame (Frame VOI LUT first), with names."""
    source = frame_group_item(dataset, "FrameVOILUTSequence", frame_index) or dataset
    centers = _as_list(source.get("WindowCenter"))
    widths = _as_list(source.get("WindowWidth"))
    names = [str(name) for name in _as_list(source.get("WindowCenterWidthExplanation"))]
    presets = []
    for position, (center, width) in enumerate(zip(centers, widths)):
        try:
            preset = WindowLevel(float(center), float(width), names[position] if position < len(names) else "")
        except (TypeError, ValueError):
            log.warning("Ignoring malformed window %r/%r in the header", center, width)
            continue
        if preset.width > 0:
            presets.append(preset)
    return presets


def voi_lut_function(dataset: Dataset, frame_index: int = 0) -> str:
    """(0028,1056) VOI LUT Function for a frame; LINEAR when absent or not one the standard defines."""
    source = frame_group_item(dataset, "FrameVOILUTSequence", frame_index) or dataset
    function = str(source.get("VOILUTFunction", "") or dataset.get("VOILUTFunction", "") or "LINEAR").strip().upper()
    if function not in VOI_LUT_FUNCTIONS:
        log.warning("Unknown VOI LUT Function %r; using LINEAR", function)
        return "LINEAR"
    return function


def default_window(dataset: Dataset, values: np.ndarray, frame_index: int = 0) -> WindowLevel:
    """The header's first preset, else a window over the bulk of the values (0.5th to 99.5th percentile)."""
    presets = header_window_presets(dataset, frame_index)
    if presets:
        return presets[0]
    finite = values[np.isfinite(values)] if values.dtype.kind == "f" else values
    if finite.size == 0:
        return WindowLevel(0.5, 1.0, "auto")
    low, high = (float(v) for v in np.percentile(finite, (0.5, 99.5)))
    if high <= low:
        low, high = float(finite.min()), float(finite.max())
    if values.dtype.kind in "iu":
        # integer data: the window [low, high] maps low to black and high to white under LINEAR
        return WindowLevel((low + high + 1) / 2, high - low + 1, "auto")
    return WindowLevel((low + high) / 2, max(high - low, np.finfo(np.float32).eps), "auto")


def apply_window(values: np.ndarray, window: WindowLevel, function: str = "LINEAR") -> np.ndarray:
    """PS3.3 C.11.2.1.2 (LINEAR), C.11.2.1.3.2 (LINEAR_EXACT), C.11.2.1.3.1 (SIGMOID), output [0, 255]."""
    x = values.astype(np.float64, copy=False)
    center, width = window.center, window.width
    if function == "SIGMOID":
        return DISPLAY_MAX / (1.0 + np.exp(-4.0 * (x - center) / max(width, 1e-12)))
    if function == "LINEAR_EXACT":
        low, high, scale_center, scale_width = center - width / 2, center + width / 2, center, width
    else:
        width = max(width, 1.0)
        low, high = center - 0.5 - (width - 1) / 2, center - 0.5 + (width - 1) / 2
        scale_center, scale_width = center - 0.5, max(width - 1, 1e-12)
    ramp = ((x - scale_center) / scale_width + 0.5) * DISPLAY_MAX
    return np.where(x <= low, 0.0, np.where(x > high, DISPLAY_MAX, ramp))


def has_voi_lut(dataset: Dataset) -> bool:
    """Whether the image carries a VOI LUT Sequence (a non-linear VOI the modality chose, e.g. for CR)."""
    sequence = dataset.get("VOILUTSequence")
    return bool(sequence) and "LUTDescriptor" in sequence[0] and "LUTData" in sequence[0]


def apply_voi_lut_sequence(dataset: Dataset, values: np.ndarray, item_index: int = 0) -> np.ndarray:
    """Map modality values through the header's VOI LUT, scaled to [0, 255] by its bit depth.

    The table is indexed by whole numbers, so fractional modality values are rounded first.
    """
    if values.dtype.kind not in "iu":
        values = np.rint(values).astype(np.int64)
    try:
        mapped = apply_voi(values, dataset, item_index)
        bits = int(dataset.VOILUTSequence[item_index].LUTDescriptor[2])
    except (AttributeError, IndexError, NotImplementedError, ValueError, TypeError) as error:
        raise decoding_failure(dataset, f"the VOI LUT Sequence is malformed ({error})") from error
    return mapped.astype(np.float64) * (DISPLAY_MAX / (2**bits - 1))


def _as_list(value: object) -> list:
    if value is None or value == "":
        return []
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        return [value]
    return list(value)
