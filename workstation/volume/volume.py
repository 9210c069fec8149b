"""A scalar volume in patient space: the one object that 2D stack reading, MPR and 3D share."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Volume:
    """Voxels indexed ``[k, j, i]`` (slice, row, column) with an affine from (i, j, k) to LPS mm.

    ``voxels`` holds modality values (e.g. Hounsfield units for CT) as stored after the modality LUT;
    ``affine @ [i, j, k, 1]`` is the LPS position of a voxel's centre. ITK conventions follow from it:
    ``spacing`` = column norms, ``direction`` = normalised columns, ``origin`` = translation.
    """

    voxels: np.ndarray
    affine: np.ndarray
    frame_of_reference_uid: str = ""
    warnings: tuple[str, ...] = field(default=())

    @property
    def size(self) -> tuple[int, int, int]:
        """ITK size: (columns, rows, slices)."""
        slices, rows, columns = self.voxels.shape[:3]
        return columns, rows, slices

    @property
    def spacing(self) -> tuple[float, float, float]:
        return affine_spacing(self.affine)

    @property
    def origin(self) -> tuple[float, float, float]:
        return affine_origin(self.affine)

    @property
    def direction(self) -> tuple[float, ...]:
        """Nine numbers, row-major, whose columns are the unit i, j, k axes in LPS."""
        return affine_direction(self.affine)


def affine_spacing(affine: np.ndarray) -> tuple[float, float, float]:
    """ITK spacing of an (i, j, k) -> LPS affine; usable before any voxel is read."""
    return tuple(float(v) for v in np.linalg.norm(affine[:3, :3], axis=0))


def affine_origin(affine: np.ndarray) -> tuple[float, float, float]:
    return tuple(float(v) for v in affine[:3, 3])


def affine_direction(affine: np.ndarray) -> tuple[float, ...]:
    unit_axes = affine[:3, :3] / np.linalg.norm(affine[:3, :3], axis=0)
    return tuple(float(v) for v in unit_axes.reshape(-1))
