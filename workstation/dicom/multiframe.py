"""What each frame of an image says about itself: plane, rescale, frame type, and what tells volumes apart.

Enhanced multi-frame images (PS3.3 C.7.6.16) carry these per frame in the Per-Frame Functional Groups,
or once for all frames in the Shared Functional Groups; classic images carry them at the top level.
Both come out here in the same shape, so display sets and volume assembly need not care which it was.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from dataclasses import dataclass

from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.valuerep import IS, DSdecimal, DSfloat

from workstation.dicom.frame_groups import frame_group_item
from workstation.dicom.geometry import ImagePlane
from workstation.dicom.pixels import frame_rescale, number_of_frames

log = logging.getLogger(__name__)

_IN_STACK_DIMENSIONS = (0x00209057, 0x00200032)  # In-Stack Position Number, Image Position (Patient)

CLASSIC_PHASE_KEYWORDS = (
    "TemporalPositionIdentifier",
    "DiffusionBValue",
    "DiffusionGradientOrientation",
    "TriggerTime",
    "EchoTime",
    "EchoNumbers",
    "AcquisitionNumber",
)


@dataclass(frozen=True)
class FrameAttributes:
    """One frame's description. ``plane`` is None for frames without usable patient geometry
    (projection images, cine loops, a malformed position; ``geometry_problem`` then says which).

    ``phase_attributes`` holds the attributes that can tell apart several volumes acquired at the same
    positions (time points, diffusion directions, echoes, phases), by DICOM keyword.
    """

    plane: ImagePlane | None
    rescale_slope: float
    rescale_intercept: float
    image_type: tuple[str, ...]
    phase_attributes: tuple[tuple[str, Hashable], ...]
    slice_thickness: float | None = None
    geometry_problem: str | None = None

    def phase_value(self, keyword: str) -> Hashable:
        return dict(self.phase_attributes).get(keyword)


def frame_attributes(dataset: Dataset) -> list[FrameAttributes]:
    """One FrameAttributes per frame, from functional groups when present, else the top-level attributes."""
    if dataset.get("PerFrameFunctionalGroupsSequence") or dataset.get("SharedFunctionalGroupsSequence"):
        return [_enhanced_frame(dataset, index) for index in range(number_of_frames(dataset))]
    frames = number_of_frames(dataset)
    slope, intercept = frame_rescale(dataset, 0)
    if frames > 1:
        plane, problem = None, "a classic multi-frame image has one position for all frames; shown as a cine loop"
    else:
        plane, problem = _plane(
            dataset.get("ImagePositionPatient"), dataset.get("ImageOrientationPatient"), dataset.get("PixelSpacing")
        )
    attributes = FrameAttributes(
        plane=plane,
        rescale_slope=slope,
        rescale_intercept=intercept,
        image_type=_strings(dataset.get("ImageType")),
        phase_attributes=tuple(
            (keyword, _hashable(value))
            for keyword, value in ((keyword, dataset.get(keyword)) for keyword in CLASSIC_PHASE_KEYWORDS)
            if value not in (None, "")
        ),
        slice_thickness=_slice_spacing(dataset),
        geometry_problem=problem,
    )
    return [attributes] * frames


def _enhanced_frame(dataset: Dataset, index: int) -> FrameAttributes:
    position = frame_group_item(dataset, "PlanePositionSequence", index)
    orientation = frame_group_item(dataset, "PlaneOrientationSequence", index)
    measures = frame_group_item(dataset, "PixelMeasuresSequence", index)
    plane, problem = _plane(
        position.get("ImagePositionPatient") if position else None,
        orientation.get("ImageOrientationPatient") if orientation else None,
        measures.get("PixelSpacing") if measures else None,
    )
    slope, intercept = frame_rescale(dataset, index)
    phase: dict[str, Hashable] = {}
    content = frame_group_item(dataset, "FrameContentSequence", index)
    if content:
        for keyword in ("TemporalPositionIndex", "StackID", "FrameAcquisitionNumber"):
            if content.get(keyword) not in (None, ""):
                phase[keyword] = _hashable(content.get(keyword))
        dimensions = _dimensions_other_than_position(dataset, content.get("DimensionIndexValues"))
        if dimensions:
            phase["DimensionIndexValues"] = dimensions
    diffusion = frame_group_item(dataset, "MRDiffusionSequence", index)
    if diffusion and diffusion.get("DiffusionBValue") is not None:
        phase["DiffusionBValue"] = _hashable(diffusion.get("DiffusionBValue"))
        gradient = diffusion.get("DiffusionGradientDirectionSequence")
        if gradient and gradient[0].get("DiffusionGradientOrientation") is not None:
            phase["DiffusionGradientOrientation"] = _hashable(gradient[0].DiffusionGradientOrientation)
    cardiac = frame_group_item(dataset, "CardiacSynchronizationSequence", index)
    if cardiac and cardiac.get("NominalCardiacTriggerDelayTime") is not None:
        phase["TriggerTime"] = _hashable(cardiac.NominalCardiacTriggerDelayTime)
    echo = frame_group_item(dataset, "MREchoSequence", index)
    if echo and echo.get("EffectiveEchoTime") is not None:
        phase["EchoTime"] = _hashable(echo.EffectiveEchoTime)
    return FrameAttributes(
        plane=plane,
        rescale_slope=slope,
        rescale_intercept=intercept,
        image_type=_frame_type(dataset, index),
        phase_attributes=tuple(phase.items()),
        slice_thickness=_slice_spacing(measures) if measures else None,
        geometry_problem=problem,
    )


def _frame_type(dataset: Dataset, index: int) -> tuple[str, ...]:
    """Frame Type from whichever modality's frame type sequence the image uses, else the Image Type."""
    per_frame = dataset.get("PerFrameFunctionalGroupsSequence")
    shared = dataset.get("SharedFunctionalGroupsSequence")
    items = ([per_frame[index]] if per_frame and index < len(per_frame) else []) + ([shared[0]] if shared else [])
    for item in items:
        for element in item:
            if element.keyword.endswith("FrameTypeSequence") and element.value and "FrameType" in element.value[0]:
                return _strings(element.value[0].FrameType)
    return _strings(dataset.get("ImageType"))


def _dimensions_other_than_position(dataset: Dataset, values: object) -> tuple | None:
    """Dimension Index Values without the slice-position dimension: what differs between volumes."""
    if values is None:
        return None
    values = [values] if isinstance(values, int) else list(values)
    pointers = [item.get("DimensionIndexPointer") for item in dataset.get("DimensionIndexSequence", [])]
    if len(pointers) != len(values):
        return None
    kept = tuple(
        int(value)
        for value, pointer in zip(values, pointers)
        if pointer is None or int(pointer) not in _IN_STACK_DIMENSIONS
    )
    return kept or None


def _plane(position: object, orientation: object, spacing: object) -> tuple[ImagePlane | None, str | None]:
    if position is None and orientation is None:
        return None, None
    try:
        return ImagePlane.from_attributes(position, orientation, spacing), None
    except (ValueError, TypeError) as error:
        log.info("Frame geometry unusable: %s", error)
        return None, str(error)


def _strings(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value.upper(),)
    return tuple(str(item).upper() for item in value)


def _slice_spacing(item: Dataset) -> float | None:
    """Spacing Between Slices, else Slice Thickness: the step a lone slice is given along its normal."""
    return _number(item.get("SpacingBetweenSlices")) or _number(item.get("SliceThickness"))


def _number(value: object) -> float | None:
    try:
        number = float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
    return number if number and number > 0 else None


def _hashable(value: object) -> Hashable:
    """A value usable as a grouping key: sequences become tuples, decimals are rounded past scanner noise."""
    if isinstance(value, (list, tuple, MultiValue)):
        return tuple(_hashable(item) for item in value)
    if isinstance(value, (float, DSfloat, DSdecimal)):
        return round(float(value), 6)
    if isinstance(value, IS):
        return int(value)
    return value if isinstance(value, Hashable) else str(value)
