"""Display sets: what goes into one viewport, split out of a series (OHIF's notion).

A series can hold several things a reader looks at separately: a localizer beside the axial stack,
images in several orientations, magnitude and field-map images, a cine loop. Frames that share
orientation, matrix, pixel spacing and image type form one display set. When such a display set holds
several volumes at the same positions (fMRI time points, diffusion directions, cardiac or contrast
phases, echoes), each volume is a *phase* of that one 4D display set, told apart by a reported key.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from workstation.dicom.geometry import POSITION_TOLERANCE_MM, ImagePlane, layout_stack
from workstation.dicom.model import Frame, Series

VOLUME = "volume"
"""Two or more parallel slices that build a volume (MPR and 3D are possible)."""
IMAGE = "image"
"""A single image."""
IMAGES = "images"
"""Several images without usable patient geometry, shown as a stack in reading order."""
CINE = "cine"
"""The frames of one multi-frame image without patient geometry (ultrasound loop, angiography run)."""

PHASE_KEYS: tuple[tuple[str, ...], ...] = (
    ("TemporalPositionIndex",),
    ("TemporalPositionIdentifier",),
    ("DiffusionBValue", "DiffusionGradientOrientation"),
    ("TriggerTime",),
    ("EchoTime",),
    ("EchoNumbers",),
    ("StackID",),
    ("FrameAcquisitionNumber",),
    ("AcquisitionNumber",),
    ("DimensionIndexValues",),
)
"""Attributes tried, in this order, to tell apart volumes acquired at the same positions."""

ACQUISITION_ORDER_KEY = "InstanceNumber order"


@dataclass(frozen=True, eq=False)
class Phase:
    """One volume of a display set: ``slices`` ordered along the slice normal (None: a missing slice).

    ``affine`` maps (i, j, k, 1) to LPS mm; it is None for frames without patient geometry. ``value`` is the
    phase key's value (None when the display set has one phase).
    """

    value: Hashable | None
    slices: tuple[Frame | None, ...]
    affine: np.ndarray | None
    warnings: tuple[str, ...] = ()

    @property
    def frames(self) -> tuple[Frame, ...]:
        return tuple(frame for frame in self.slices if frame is not None)


@dataclass(frozen=True, eq=False)
class DisplaySet:
    series: Series
    label: str
    kind: str
    phases: tuple[Phase, ...]
    phase_key: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def frames(self) -> tuple[Frame, ...]:
        return tuple(frame for phase in self.phases for frame in phase.frames)

    @property
    def rows(self) -> int:
        return self.frames[0].instance.rows

    @property
    def columns(self) -> int:
        return self.frames[0].instance.columns


def display_sets(series: Series) -> list[DisplaySet]:
    """Split a series into display sets: those with patient geometry first, in the order their frames appear."""
    frames = series.frames
    groups: list[list[Frame]] = []
    for frame in (frame for frame in frames if frame.plane is not None):
        group = next((group for group in groups if _same_stack(group[0], frame)), None)
        if group is None:
            groups.append([frame])
        else:
            group.append(frame)
    series_warnings = list(series.warnings)
    problems = sorted({frame.attributes.geometry_problem for frame in frames if frame.attributes.geometry_problem})
    series_warnings.extend(f"image geometry unusable: {problem}" for problem in problems if "cine loop" not in problem)
    orientations = sorted({group[0].plane.orientation_name for group in groups if not _is_localizer(group[0])})
    if len(orientations) > 1:
        series_warnings.append(
            f"the series mixes orientations ({', '.join(orientations)}); "
            "each orientation is shown as its own display set"
        )
    result = [_geometric_display_set(series, group, groups, series_warnings) for group in groups]
    without_geometry = [frame for frame in frames if frame.plane is None]
    result.extend(_display_sets_without_geometry(series, without_geometry, series_warnings))
    return result


def _geometric_display_set(
    series: Series, frames: list[Frame], groups: list[list[Frame]], series_warnings: list[str]
) -> DisplaySet:
    label = _label(series, frames[0], groups)
    if len(frames) == 1:
        layout = layout_stack([frames[0].plane], single_slice_spacing=frames[0].attributes.slice_thickness or 1.0)
        phase = Phase(None, (frames[0],), layout.affine)
        return DisplaySet(series, label, IMAGE, (phase,), None, tuple(series_warnings))
    phase_key, phase_frames, key_warnings = _split_phases(frames)
    phases = []
    for value, members in phase_frames:
        layout = layout_stack(
            [frame.plane for frame in members], single_slice_spacing=members[0].attributes.slice_thickness or 1.0
        )
        slices = tuple(None if index is None else members[index] for index in layout.order)
        phases.append(Phase(value, slices, layout.affine, layout.warnings))
    warnings = _unique([*series_warnings, *key_warnings, *(warning for phase in phases for warning in phase.warnings)])
    kind = VOLUME if any(len(phase.slices) > 1 for phase in phases) else IMAGE
    return DisplaySet(series, label, kind, tuple(phases), phase_key, tuple(warnings))


def _split_phases(frames: list[Frame]) -> tuple[str | None, list[tuple[Hashable | None, list[Frame]]], list[str]]:
    """Find the key that separates volumes sharing positions.

    Without a key, a stack where every position repeats equally often is split in reading order; other
    repeats (copies of one image, a single position) stay together for the stack layout to drop.
    """
    positions = _position_bins([frame.plane for frame in frames])
    counts = np.bincount(positions)
    repeats = int(counts.max())
    if repeats == 1:
        return None, [(None, frames)], []
    for keywords in PHASE_KEYS:
        values = [tuple(frame.attributes.phase_value(keyword) for keyword in keywords) for frame in frames]
        if all(value == (None,) * len(keywords) for value in values):
            continue
        members: dict[tuple, list[int]] = {}
        for index, value in enumerate(values):
            members.setdefault(value, []).append(index)
        if len(members) != repeats:
            continue
        if all(len({positions[index] for index in group}) == len(group) for group in members.values()):
            key = " + ".join(keywords)
            ordered = _sorted_values(list(members))
            phases = [(_single(value), [frames[index] for index in members[value]]) for value in ordered]
            return key, phases, [f"{repeats} volumes at the same positions, told apart by {key}"]
    if len(counts) > 1 and np.all(counts == repeats):
        occurrence = np.zeros(len(counts), dtype=int)
        phases: list[tuple[Hashable | None, list[Frame]]] = [(number + 1, []) for number in range(repeats)]
        for frame, position in zip(frames, positions):
            phases[occurrence[position]][1].append(frame)
            occurrence[position] += 1
        return ACQUISITION_ORDER_KEY, phases, [
            f"{repeats} volumes at the same positions with no attribute telling them apart; "
            "split in Instance Number order"
        ]
    return None, [(None, frames)], []


def _display_sets_without_geometry(series: Series, frames: list[Frame], series_warnings: list[str]) -> list[DisplaySet]:
    result: list[DisplaySet] = []
    singles = [frame for frame in frames if frame.instance.number_of_frames == 1]
    name = series.series_description or series.modality or "images"
    if singles:
        kind = IMAGE if len(singles) == 1 else IMAGES
        phase = Phase(None, tuple(singles), None)
        result.append(DisplaySet(series, name, kind, (phase,), None, tuple(series_warnings)))
    cines: dict[int, list[Frame]] = {}
    for frame in frames:
        if frame.instance.number_of_frames > 1:
            cines.setdefault(id(frame.instance), []).append(frame)
    for cine in cines.values():
        label = f"{name} ({cine[0].instance.path.name}, {len(cine)} frames)"
        result.append(DisplaySet(series, label, CINE, (Phase(None, tuple(cine), None),), None, tuple(series_warnings)))
    return result


def _same_stack(first: Frame, other: Frame) -> bool:
    """Frames that can share one stack: same image type, matrix, pixel spacing and orientation."""
    return (
        first.attributes.image_type == other.attributes.image_type
        and first.instance.rows == other.instance.rows
        and first.instance.columns == other.instance.columns
        and np.allclose(first.plane.pixel_spacing, other.plane.pixel_spacing, rtol=1e-3)
        and first.plane.same_orientation(other.plane)
    )


def _position_bins(planes: Sequence[ImagePlane]) -> np.ndarray:
    """The same small integer for planes at the same position along the first plane's normal."""
    normal = planes[0].normal
    distances = np.array([float(np.dot(plane.position, normal)) for plane in planes])
    order = np.argsort(distances, kind="stable")
    bins = np.empty(len(planes), dtype=int)
    current = 0
    for rank, index in enumerate(order):
        if rank and distances[index] - distances[order[rank - 1]] >= POSITION_TOLERANCE_MM:
            current += 1
        bins[index] = current
    return bins


def _label(series: Series, frame: Frame, groups: list[list[Frame]]) -> str:
    name = series.series_description or series.modality or "series"
    if len(groups) == 1:
        return name
    details = [frame.plane.orientation_name]
    image_types = {group[0].attributes.image_type for group in groups}
    if len(image_types) > 1 and frame.attributes.image_type:
        details.append(" ".join(frame.attributes.image_type[2:]) or " ".join(frame.attributes.image_type))
    return f"{name} ({', '.join(details)})"


def _is_localizer(frame: Frame) -> bool:
    return "LOCALIZER" in frame.attributes.image_type


def _sorted_values(values: list[tuple]) -> list[tuple]:
    try:
        return sorted(values, key=lambda value: tuple((item is None, item) for item in value))
    except TypeError:
        return sorted(values, key=str)


def _single(value: tuple) -> Hashable:
    return value[0] if len(value) == 1 else value


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
