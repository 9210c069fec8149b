"""Decoding pixel data to stored values and applying the modality LUT (rescale) to get modality values.

Decoding goes through pydicom 3's pixel API (pylibjpeg, openjpeg, libjpeg and RLE plugins); each failure
becomes a DicomReadError naming the file and the problem in a reader's words. Colour pixel data comes
back as pydicom returns it by default: RGB for RGB and YBR_FULL/YBR_FULL_422/YBR_ICT/YBR_RCT, palette
indices for PALETTE COLOR.
"""

from __future__ import annotations

import logging

import numpy as np
from pydicom.dataset import Dataset
from pydicom.pixels import apply_modality_lut, pixel_array

from workstation.core.errors import DicomReadError
from workstation.dicom.deflated_frames import decode_deflated_frame, is_deflated_frames
from workstation.dicom.frame_groups import frame_group_item

log = logging.getLogger(__name__)

_PIXEL_DATA_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")


def dataset_source(dataset: Dataset) -> str:
    """The file a dataset came from, or its SOP Instance UID when it was built in memory or received."""
    filename = getattr(dataset, "filename", None)
    if isinstance(filename, str) and filename:
        return filename
    return f"instance {dataset.get('SOPInstanceUID', '(no SOP Instance UID)')}"


def number_of_frames(dataset: Dataset) -> int:
    """(0028,0008) Number of Frames, 1 when absent; a malformed value is a read error, not a guess."""
    value = dataset.get("NumberOfFrames", 1)
    try:
        frames = int(value) if value not in (None, "") else 1
    except (TypeError, ValueError):
        raise decoding_failure(dataset, f"invalid Number of Frames {str(value)!r} in the image header") from None
    if frames < 1:
        raise decoding_failure(dataset, f"invalid Number of Frames {frames} in the image header")
    return frames


def decode_frames(dataset: Dataset) -> np.ndarray:
    """All frames as stored values, shape (frames, rows, columns[, samples]), native byte order."""
    frames = number_of_frames(dataset)
    decoded = _decode(dataset, None)
    if frames == 1:
        decoded = decoded[np.newaxis]
    return decoded


def decode_frame(dataset: Dataset, index: int) -> np.ndarray:
    """One frame as stored values, shape (rows, columns[, samples]); decodes only that frame."""
    frames = number_of_frames(dataset)
    if not 0 <= index < frames:
        raise decoding_failure(dataset, f"frame {index + 1} does not exist (the image has {frames} frames)")
    return _decode(dataset, index)


def frame_rescale(dataset: Dataset, frame_index: int = 0) -> tuple[float, float]:
    """(slope, intercept) of a frame: per-frame or shared Pixel Value Transformation, else the image's."""
    item = frame_group_item(dataset, "PixelValueTransformationSequence", frame_index) or dataset
    try:
        slope = float(item.get("RescaleSlope", 1.0) or 1.0)
        intercept = float(item.get("RescaleIntercept", 0.0) or 0.0)
    except (TypeError, ValueError):
        raise decoding_failure(dataset, "invalid Rescale Slope or Rescale Intercept in the image header") from None
    return slope, intercept


def modality_values(dataset: Dataset, stored: np.ndarray, frame_index: int = 0) -> np.ndarray:
    """Stored values of one frame -> modality values (e.g. Hounsfield units), PS3.3 C.11.1.

    Integer results stay integer (int32; int64 for 32-bit data) when slope and intercept are whole
    numbers, so windowing can use a lookup table; otherwise float32. Identity returns ``stored`` itself.
    A Modality LUT Sequence gives its uint8/uint16 output.
    """
    if dataset.get("ModalityLUTSequence") and stored.dtype.kind in "iu":
        try:
            return apply_modality_lut(stored, dataset)
        except (AttributeError, IndexError, ValueError, TypeError) as error:
            raise decoding_failure(dataset, f"the Modality LUT Sequence is malformed ({error})") from error
    slope, intercept = frame_rescale(dataset, frame_index)
    if (slope, intercept) == (1.0, 0.0):
        return stored if stored.dtype.kind in "iu" else stored.astype(np.float32, copy=False)
    if stored.dtype.kind in "iu" and slope.is_integer() and intercept.is_integer():
        wide = np.int64 if stored.dtype.itemsize >= 4 else np.int32
        return stored.astype(wide) * int(slope) + int(intercept)
    return stored.astype(np.float32) * np.float32(slope) + np.float32(intercept)


def _decode(dataset: Dataset, index: int | None) -> np.ndarray:
    if not any(keyword in dataset for keyword in _PIXEL_DATA_KEYWORDS):
        raise decoding_failure(dataset, "contains no image (no Pixel Data): it is not an image, or the file was cut short")
    try:
        if is_deflated_frames(dataset):
            frames = number_of_frames(dataset)
            indices = range(frames) if index is None else [index]
            stack = [decode_deflated_frame(dataset, i, frames) for i in indices]
            decoded = stack[0] if len(stack) == 1 else np.stack(stack)
        else:
            decoded = pixel_array(dataset, index=index)
    except DicomReadError:
        raise
    except Exception as error:  # decoders raise many types on damaged data; each becomes a clear message
        log.debug("Decoding %s failed", dataset_source(dataset), exc_info=True)
        raise decoding_failure(dataset, _decoding_problem(dataset, error)) from error
    if not decoded.dtype.isnative:
        decoded = decoded.astype(decoded.dtype.newbyteorder("="))
    return decoded


def _decoding_problem(dataset: Dataset, error: Exception) -> str:
    """A reader's words for a decoder's exception."""
    syntax = getattr(getattr(dataset, "file_meta", None), "TransferSyntaxUID", None)
    syntax_name = f"{syntax.name} ({syntax})" if syntax else "unknown"
    text = str(error)
    if "no (0002,0010) 'Transfer Syntax UID'" in text:
        return "pixel data is compressed but the file does not say how (no Transfer Syntax UID)"
    if isinstance(error, NotImplementedError) or "is not supported" in text:
        return f"pixel data in transfer syntax {syntax_name} cannot be decoded by this workstation"
    if "less than expected" in text:
        return f"pixel data is truncated: the file is damaged; retrieve it again ({text.split(' - ')[0]})"
    if "all available plugins" in text:
        reasons = [line.strip() for line in text.splitlines()[1:] if line.strip()]
        first = reasons[0] if reasons else text
        return f"compressed pixel data ({syntax_name}) could not be decoded: {first}"
    if text.startswith("Missing required element"):
        return f"the image header lacks a required element: {text.split(': ', 1)[-1]}"
    if isinstance(error, ValueError) and "invalid literal" in text:
        return f"the image header holds an invalid number ({text})"
    return f"pixel data could not be decoded ({type(error).__name__}: {text})"


def decoding_failure(dataset: Dataset, problem: str) -> DicomReadError:
    """A DicomReadError naming the dataset's file, logged, for the caller to raise."""
    error = DicomReadError(dataset_source(dataset), problem)
    log.warning("Cannot decode %s: %s", error.path, problem)
    return error
