"""MPR geometry in patient space (LPS), independent of any acquisition orientation and of VTK.

A view plane is a point plus two unit directions in LPS: ``row`` points to the screen's right and
``column`` to the screen's bottom, as DICOM's Image Orientation (Patient) does. Building every reformat
from these patient-space planes and the volume's affine (never from voxel axes) is what makes a sagittal
MR reformat to a correct axial: anterior at the top, the patient's left on the screen's right
(radiological convention).

In-plane coordinates are absolute: a point ``p`` lies at ``x = p . row``, ``y = p . column`` on a plane,
so an image stays put on screen when the crosshair moves within the plane.
"""

from __future__ import annotations

import enum
import logging
import math
from dataclasses import dataclass, replace

import numpy as np

from workstation.core.errors import WorkstationError
from workstation.volume.volume import Volume

log = logging.getLogger(__name__)

AXIAL, CORONAL, SAGITTAL = "axial", "coronal", "sagittal"
VIEW_NAMES = (AXIAL, CORONAL, SAGITTAL)

# (row = screen right, column = screen down) of each standard view, in LPS.
STANDARD_ORIENTATIONS: dict[str, tuple[tuple[float, float, float], tuple[float, float, float]]] = {
    AXIAL: ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),  # left on the right, anterior at the top (seen from the feet)
    CORONAL: ((1.0, 0.0, 0.0), (0.0, 0.0, -1.0)),  # left on the right, superior at the top (seen from the front)
    SAGITTAL: ((0.0, 1.0, 0.0), (0.0, 0.0, -1.0)),  # anterior on the left, superior at the top
}

_AXIS_LETTERS = (("R", "L"), ("A", "P"), ("I", "S"))  # (negative, positive) direction of x, y, z in LPS


class ReformatError(WorkstationError):
    """A display set that cannot be reformatted (MPR) or volume rendered; the message says what to do."""


def check_reformattable(volume: Volume) -> None:
    """Refuse what MPR and 3D cannot show: fewer than 2 voxels along an axis, or a degenerate geometry."""
    shape = volume.voxels.shape
    if volume.voxels.ndim != 3 or min(shape) < 2:
        log.warning("MPR/3D refused: voxel array of shape %s", shape)
        raise ReformatError(
            f"MPR and 3D need a stack of at least 2 images of at least 2 x 2 pixels (this one is {shape}); "
            "read it in a 2D viewport instead."
        )
    linear = np.asarray(volume.affine, dtype=float)[:3, :3]
    if not np.all(np.isfinite(volume.affine)) or abs(np.linalg.det(linear)) < 1e-9:
        log.warning("MPR/3D refused: degenerate affine %s", np.asarray(volume.affine).tolist())
        raise ReformatError(
            "MPR and 3D need the images' position and orientation, and these images have none that form a "
            "volume; read them in a 2D viewport instead."
        )


class SlabMode(enum.Enum):
    """How the voxels across a slab's thickness are combined into one pixel."""

    MIP = "mip"
    MINIP = "minip"
    AVERAGE = "average"


@dataclass(frozen=True)
class Slab:
    """A thick slice: ``thickness_mm`` of 0 means a plain (thin) slice whatever the mode."""

    thickness_mm: float = 0.0
    mode: SlabMode = SlabMode.MIP

    def __post_init__(self) -> None:
        if not math.isfinite(self.thickness_mm) or self.thickness_mm < 0:
            raise ValueError(f"slab thickness must be a finite number of mm >= 0, not {self.thickness_mm}")

    def sample_count(self, sample_spacing_mm: float) -> int:
        """Planes sampled across the slab, ``sample_spacing_mm`` apart, ends included (1 for a thin slice)."""
        if self.thickness_mm <= 0:
            return 1
        return max(1, int(round(self.thickness_mm / sample_spacing_mm)) + 1)


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    if norm < 1e-9:
        raise ValueError("direction has zero length")
    return np.asarray(vector, dtype=float) / norm


@dataclass(frozen=True, eq=False)
class MprPlane:
    """One view plane: ``center`` (LPS mm) lies on it; ``row`` and ``column`` are orthonormal in LPS."""

    name: str
    center: np.ndarray
    row: np.ndarray
    column: np.ndarray

    @property
    def normal(self) -> np.ndarray:
        """Points away from the viewer (row x column), like the normal of a DICOM image."""
        return np.cross(self.row, self.column)

    @property
    def depth(self) -> float:
        """Signed distance of the plane from the LPS origin along its normal."""
        return float(self.center @ self.normal)

    def to_plane(self, point: np.ndarray) -> np.ndarray:
        """In-plane (x, y) mm of an LPS point's projection onto the plane."""
        point = np.asarray(point, dtype=float)
        return np.array([point @ self.row, point @ self.column])

    def to_patient(self, x: float, y: float) -> np.ndarray:
        """LPS point of in-plane coordinates (x, y) on this plane."""
        return x * self.row + y * self.column + self.depth * self.normal

    def axes_matrix(self) -> np.ndarray:
        """4x4 from plane coordinates (x, y, z along the normal from the plane) to LPS."""
        matrix = np.eye(4)
        matrix[:3, 0], matrix[:3, 1], matrix[:3, 2] = self.row, self.column, self.normal
        matrix[:3, 3] = self.depth * self.normal
        return matrix

    def moved(self, distance_mm: float) -> MprPlane:
        return replace(self, center=self.center + distance_mm * self.normal)


def standard_plane(name: str, center: np.ndarray) -> MprPlane:
    row, column = STANDARD_ORIENTATIONS[name]
    return MprPlane(name, np.asarray(center, dtype=float), np.array(row), np.array(column))


def rotation_about(axis: np.ndarray, degrees: float) -> np.ndarray:
    """3x3 right-handed rotation about ``axis`` (Rodrigues)."""
    x, y, z = _unit(axis)
    angle = math.radians(degrees)
    cos, sin = math.cos(angle), math.sin(angle)
    cross = np.array([[0, -z, y], [z, 0, -x], [-y, x, 0]])
    return cos * np.eye(3) + sin * cross + (1 - cos) * np.outer((x, y, z), (x, y, z))


@dataclass(frozen=True, eq=False)
class Crosshair:
    """The shared 3D cursor of the three MPR views: one centre and three mutually orthogonal planes.

    Rotating in one view (oblique MPR) turns the two other planes about that view's normal through the
    centre; the view itself keeps its orientation, as in the usual reading stations.
    """

    center: np.ndarray
    planes: tuple[MprPlane, MprPlane, MprPlane]

    @classmethod
    def standard(cls, center: np.ndarray) -> Crosshair:
        center = np.asarray(center, dtype=float)
        return cls(center, tuple(standard_plane(name, center) for name in VIEW_NAMES))  # type: ignore[arg-type]

    def plane(self, name: str) -> MprPlane:
        for plane in self.planes:
            if plane.name == name:
                return plane
        raise KeyError(name)

    def moved_to(self, point: np.ndarray) -> Crosshair:
        point = np.asarray(point, dtype=float)
        return Crosshair(point, tuple(replace(plane, center=point) for plane in self.planes))  # type: ignore[arg-type]

    def scrolled(self, name: str, distance_mm: float) -> Crosshair:
        """Move the centre along view ``name``'s normal: that view shows the next slice, the others' lines move."""
        return self.moved_to(self.center + distance_mm * self.plane(name).normal)

    def rotated(self, name: str, degrees: float) -> Crosshair:
        """Turn the two other planes by ``degrees`` about view ``name``'s normal; since the normal points
        away from the viewer, positive degrees turn their lines clockwise on screen."""
        rotation = rotation_about(self.plane(name).normal, degrees)
        planes = tuple(
            plane if plane.name == name else replace(plane, row=rotation @ plane.row, column=rotation @ plane.column)
            for plane in self.planes
        )
        return Crosshair(self.center, planes)  # type: ignore[arg-type]


def reference_line(view: MprPlane, other: MprPlane) -> tuple[np.ndarray, np.ndarray] | None:
    """Where ``other`` cuts ``view``: a point and a unit direction in ``view``'s (x, y) mm; None if parallel."""
    direction = np.cross(view.normal, other.normal)
    if np.linalg.norm(direction) < 1e-6:
        return None
    direction = _unit(direction)
    # The point of the intersection line nearest the LPS origin satisfies both plane equations.
    system = np.array([view.normal, other.normal, direction])
    point = np.linalg.solve(system, np.array([view.depth, other.depth, 0.0]))
    return view.to_plane(point), np.array([direction @ view.row, direction @ view.column])


def orientation_label(direction: np.ndarray, minimum_component: float = 0.25) -> str:
    """Letters for a screen direction, strongest first: (1, 0, 0) -> "L", oblique (0.7, -0.7, 0) -> "LA".

    Components weaker than ``minimum_component`` are left out so a slightly tilted axis keeps one letter.
    """
    direction = _unit(np.asarray(direction, dtype=float))
    order = np.argsort(-np.abs(direction), kind="stable")
    letters = [
        _AXIS_LETTERS[axis][1 if direction[axis] > 0 else 0]
        for axis in order
        if abs(direction[axis]) >= minimum_component
    ]
    return "".join(letters)


def view_letters(plane: MprPlane) -> dict[str, str]:
    """Orientation letters at the four edges of a view: keys "left", "right", "top", "bottom"."""
    return {
        "right": orientation_label(plane.row),
        "left": orientation_label(-plane.row),
        "bottom": orientation_label(plane.column),
        "top": orientation_label(-plane.column),
    }


def patient_to_data_matrix(affine: np.ndarray) -> np.ndarray:
    """4x4 from LPS mm to scaled voxel coordinates (index x spacing), the frame a VTK image without a
    direction matrix lives in. Rigid for orthonormal acquisitions; keeps any gantry-tilt shear otherwise."""
    affine = np.asarray(affine, dtype=float)
    spacing = np.linalg.norm(affine[:3, :3], axis=0)
    scale = np.diag([*spacing, 1.0])
    return scale @ np.linalg.inv(affine)


def volume_corners(affine: np.ndarray, size: tuple[int, int, int]) -> np.ndarray:
    """The 8 LPS corners of the box spanned by the voxel centres (size = columns, rows, slices)."""
    last = np.array(size, dtype=float) - 1
    corners = np.array([[i, j, k, 1.0] for i in (0, last[0]) for j in (0, last[1]) for k in (0, last[2])])
    return (np.asarray(affine, dtype=float) @ corners.T).T[:, :3]


def plane_bounds(plane: MprPlane, corners: np.ndarray) -> tuple[float, float, float, float]:
    """(x_min, x_max, y_min, y_max) mm of the volume's projection on a plane: the extent of its reformat."""
    xy = np.array([plane.to_plane(corner) for corner in corners])
    return float(xy[:, 0].min()), float(xy[:, 0].max()), float(xy[:, 1].min()), float(xy[:, 1].max())


def volume_center(affine: np.ndarray, size: tuple[int, int, int]) -> np.ndarray:
    """LPS centre of the volume: where the crosshair starts."""
    return volume_corners(affine, size).mean(axis=0)
