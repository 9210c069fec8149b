"""A Volume from a 2D stack, for MPR and 3D: reuses the images the stack has already decoded.

The stack's planes give the geometry (first image position, in-plane axes and spacing, the step between
images, which may be sheared for a gantry-tilted CT). Images still being decoded are read here, in the
worker that builds the volume, so the GUI thread never waits for them. While most images are still
undecoded, ``build_volume`` assembles the stack's display set instead (uncompressed slices are read
straight from the files into the volume, several times faster than decoding them one by one).
"""

from __future__ import annotations

import logging

import numpy as np

from workstation.viewer.image_stack import ImageStack
from workstation.viewer.stack_building import decode_images
from workstation.volume.assembly import assemble_volume
from workstation.volume.mpr import ReformatError, check_reformattable
from workstation.volume.volume import Volume

log = logging.getLogger(__name__)

SPACING_TOLERANCE = 0.05  # relative variation of the step between images that still counts as regular


def stack_affine(stack: ImageStack) -> np.ndarray:
    """(i, j, k) -> LPS of the stack's images in reading order; refuses irregular or unoriented stacks."""
    planes = stack.planes
    if len(planes) < 2 or not all(plane.has_orientation for plane in planes):
        raise ReformatError(
            f"{stack.display_name or 'This series'}: MPR and 3D need at least 2 images with a position and "
            "orientation; read it in a 2D viewport instead."
        )
    positions = np.array([plane.position for plane in planes], dtype=float)
    steps = np.diff(positions, axis=0)
    step = (positions[-1] - positions[0]) / (len(planes) - 1)
    deviation = np.linalg.norm(steps - step, axis=1).max()
    if not np.linalg.norm(step) or deviation > SPACING_TOLERANCE * np.linalg.norm(step):
        log.warning("MPR refused: irregular image positions (deviation %.3f mm, step %.3f mm)",
                    deviation, float(np.linalg.norm(step)))
        raise ReformatError(
            f"{stack.display_name or 'This series'}: the images are not evenly spaced (gaps or mixed "
            "positions), so MPR and 3D would distort it; read it in a 2D viewport instead."
        )
    first = planes[0]
    affine = np.eye(4)
    affine[:3, 0] = np.asarray(first.row_direction) * first.column_spacing
    affine[:3, 1] = np.asarray(first.column_direction) * first.row_spacing
    affine[:3, 2] = step
    affine[:3, 3] = positions[0]
    return affine


def volume_from_stack(stack: ImageStack, decoded: list[np.ndarray | None] | None = None) -> Volume:
    """Build the volume of ``stack``; ``decoded`` is a snapshot of the images already decoded (taken on the
    GUI thread), the others are decoded here. Raises ReformatError with a message for the reader."""
    affine = stack_affine(stack)
    decoded = list(decoded) if decoded is not None else [stack.pixels(i) for i in range(len(stack))]
    missing = [i for i, values in enumerate(decoded) if values is None]
    problems: list[str] = []
    if missing:
        more, problems = decode_images(stack, missing)
        for index, values in more:
            decoded[index] = values
    present = [values for values in decoded if values is not None]
    if not present or present[0].ndim != 2:
        raise ReformatError(
            f"{stack.display_name or 'This series'}: MPR and 3D need grey-scale images"
            + (f" ({problems[0]})" if problems else "") + "."
        )
    dtype = np.result_type(*{values.dtype for values in present})
    voxels = np.empty((len(decoded), stack.rows, stack.columns), dtype=dtype)
    for k, values in enumerate(decoded):
        if values is None:
            voxels[k] = present[0].min()  # an unreadable image is a blank slice, and the warning says so
        else:
            voxels[k] = values
    warnings = tuple(problems)
    if problems:
        log.warning("volume of %s built with %d unreadable image(s)", stack.uid, len(problems))
    volume = Volume(voxels, affine, stack.frame_of_reference_uid, warnings)
    check_reformattable(volume)
    return volume


def build_volume(stack: ImageStack, decoded: list[np.ndarray | None]) -> Volume:
    """The stack's volume by the faster way: its decoded images when at least half are, else the display
    set's assembly (which also fills gaps between slices with blank ones, and says so in its warnings)."""
    if stack.display_set is None or sum(values is not None for values in decoded) * 2 >= len(decoded):
        return volume_from_stack(stack, decoded)
    volume = assemble_volume(stack.display_set, stack.phase)
    check_reformattable(volume)
    return volume
