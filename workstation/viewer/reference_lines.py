"""Reference lines and click-to-locate between viewports that share a frame of reference.

A reference line is where the active viewport's image plane cuts another viewport's image (an axial
slice's level on a scout or a coronal); locating moves every other viewport to the slice that holds a
clicked patient point (the "3D cursor").
"""

from __future__ import annotations

import numpy as np

from workstation.viewer.image_plane import ImagePlane
from workstation.viewer.viewport import Viewport
from workstation.volume.mpr import MprPlane, reference_line

PARALLEL_TOLERANCE = 1e-3


def _mpr_plane(plane: ImagePlane) -> MprPlane:
    return MprPlane("image", np.asarray(plane.position, float), np.asarray(plane.row_direction, float),
                    np.asarray(plane.column_direction, float))


def reference_line_in_image(target: ImagePlane, source: ImagePlane) -> tuple[np.ndarray, np.ndarray] | None:
    """Where ``source``'s plane cuts ``target``'s image: a point and a unit direction in ``target``'s image
    coordinates (see view_transform); None when the planes are parallel."""
    view = _mpr_plane(target)
    line = reference_line(view, _mpr_plane(source))
    if line is None:
        return None
    in_plane, (dx, dy) = line
    spacing = np.array([target.column_spacing, target.row_spacing])
    # in-plane mm are measured from the LPS origin's projection; the image starts at its first pixel's centre
    point = (in_plane - view.to_plane(view.center)) / spacing + 0.5
    direction = np.array([dx, dy]) / spacing
    return point, direction / np.linalg.norm(direction)


def shares_frame_of_reference(a: Viewport, b: Viewport) -> bool:
    return (a.stack is not None and b.stack is not None and bool(a.stack.frame_of_reference_uid)
            and a.stack.frame_of_reference_uid == b.stack.frame_of_reference_uid
            and a.current_plane() is not None and b.current_plane() is not None
            and a.current_plane().has_orientation and b.current_plane().has_orientation)


def locate(viewports: list[Viewport], source: Viewport, image_point: tuple[float, float]) -> list[Viewport]:
    """Move the other viewports of the same frame of reference to the slice through the clicked point."""
    position = source.current_plane().patient_position(*image_point)
    moved = []
    for viewport in viewports:
        if viewport is not source and shares_frame_of_reference(viewport, source):
            if viewport.go_to(viewport.stack.nearest_index(position)):
                moved.append(viewport)
    return moved
