"""MPR geometry without VTK: planes in LPS, crosshair moves and oblique turns, reference lines, letters."""

from __future__ import annotations

import numpy as np
import pytest

from workstation.volume.mpr import (
    AXIAL,
    CORONAL,
    SAGITTAL,
    VIEW_NAMES,
    Crosshair,
    ReformatError,
    Slab,
    SlabMode,
    check_reformattable,
    orientation_label,
    patient_to_data_matrix,
    plane_bounds,
    reference_line,
    rotation_about,
    view_letters,
    volume_center,
    volume_corners,
)
from workstation.volume.volume import Volume

LEFT, POSTERIOR, SUPERIOR = np.eye(3)


def test_standard_views_follow_radiological_convention():
    crosshair = Crosshair.standard(np.zeros(3))
    assert view_letters(crosshair.plane(AXIAL)) == {"right": "L", "left": "R", "top": "A", "bottom": "P"}
    assert view_letters(crosshair.plane(CORONAL)) == {"right": "L", "left": "R", "top": "S", "bottom": "I"}
    assert view_letters(crosshair.plane(SAGITTAL)) == {"right": "P", "left": "A", "top": "S", "bottom": "I"}
    # Normals point away from the viewer: axial seen from the feet, coronal from the front, sagittal from the left.
    np.testing.assert_allclose(crosshair.plane(AXIAL).normal, SUPERIOR)
    np.testing.assert_allclose(crosshair.plane(CORONAL).normal, POSTERIOR)
    np.testing.assert_allclose(crosshair.plane(SAGITTAL).normal, -LEFT)


def test_plane_coordinates_round_trip_and_are_absolute():
    center = np.array([10.0, -20.0, 35.0])
    plane = Crosshair.standard(center).plane(CORONAL)
    point = plane.to_patient(4.0, -7.0)
    assert point @ plane.normal == pytest.approx(plane.depth)
    np.testing.assert_allclose(plane.to_plane(point), [4.0, -7.0])
    # A point of the LPS origin's column projects to in-plane (0, 0) wherever the plane is.
    np.testing.assert_allclose(plane.moved(12.0).to_plane(np.array([0.0, 5.0, 0.0])), [0.0, 0.0])
    matrix = plane.axes_matrix()
    np.testing.assert_allclose((matrix @ [4.0, -7.0, 0.0, 1.0])[:3], point)


def test_scroll_moves_only_along_the_view_normal():
    crosshair = Crosshair.standard(np.array([1.0, 2.0, 3.0])).scrolled(SAGITTAL, 5.0)
    np.testing.assert_allclose(crosshair.center, [-4.0, 2.0, 3.0])
    assert all(np.allclose(plane.center, crosshair.center) for plane in crosshair.planes)


def test_oblique_rotation_turns_the_other_planes_and_keeps_them_orthogonal():
    crosshair = Crosshair.standard(np.zeros(3)).rotated(AXIAL, 30.0)
    axial, coronal, sagittal = (crosshair.plane(name) for name in VIEW_NAMES)
    np.testing.assert_allclose(axial.row, LEFT)  # the view being rotated keeps its orientation
    normals = np.array([axial.normal, coronal.normal, sagittal.normal])
    np.testing.assert_allclose(normals @ normals.T, np.eye(3), atol=1e-12)
    # 30 degrees clockwise on the axial screen: the coronal row leans from L towards P by 30 degrees.
    np.testing.assert_allclose(coronal.row, [np.cos(np.radians(30)), np.sin(np.radians(30)), 0.0], atol=1e-12)
    assert orientation_label(coronal.row) == "LP"
    line = reference_line(axial, coronal)
    assert line is not None
    angle = np.degrees(np.arctan2(line[1][1], line[1][0])) % 180
    assert angle == pytest.approx(30.0)


def test_reference_lines_sit_at_the_crosshair():
    center = np.array([12.0, -30.0, 50.0])
    crosshair = Crosshair.standard(center)
    axial = crosshair.plane(AXIAL)
    point, direction = reference_line(axial, crosshair.plane(CORONAL))
    # The coronal plane shows on the axial as a horizontal line through the centre.
    assert abs(direction[1]) == pytest.approx(0.0, abs=1e-12)
    assert point[1] == pytest.approx(axial.to_plane(center)[1])
    point, direction = reference_line(axial, crosshair.plane(SAGITTAL))
    assert abs(direction[0]) == pytest.approx(0.0, abs=1e-12)
    assert point[0] == pytest.approx(axial.to_plane(center)[0])
    assert reference_line(axial, axial.moved(3.0)) is None


def test_orientation_label_orders_letters_by_strength():
    assert orientation_label(np.array([-1.0, 0.0, 0.0])) == "R"
    assert orientation_label(np.array([0.1, -1.0, 0.0])) == "A"
    assert orientation_label(np.array([0.5, 0.0, -0.9])) == "IL"


def test_rotation_is_right_handed():
    np.testing.assert_allclose(rotation_about(SUPERIOR, 90.0) @ LEFT, POSTERIOR, atol=1e-12)


def test_patient_to_data_matrix_inverts_an_oblique_affine():
    direction = rotation_about(np.array([1.0, 1.0, 0.0]), 25.0)
    spacing = np.array([0.5, 0.6, 2.0])
    affine = np.eye(4)
    affine[:3, :3] = direction * spacing
    affine[:3, 3] = [-100.0, 40.0, 7.0]
    index = np.array([3.0, 8.0, 5.0, 1.0])
    data = patient_to_data_matrix(affine) @ (affine @ index)
    np.testing.assert_allclose(data[:3], index[:3] * spacing)


def test_plane_bounds_cover_a_sagittal_acquisition_projected_on_the_axial():
    # Sagittal acquisition: columns run A->P? here i along +P, j along -S (down), k along +L.
    affine = np.eye(4)
    affine[:3, :3] = np.column_stack([POSTERIOR, -SUPERIOR, LEFT]) * [1.0, 1.0, 1.2]
    affine[:3, 3] = [-90.0, -100.0, 120.0]
    size = (256, 256, 150)
    corners = volume_corners(affine, size)
    axial = Crosshair.standard(volume_center(affine, size)).plane(AXIAL)
    x_min, x_max, y_min, y_max = plane_bounds(axial, corners)
    assert (x_min, x_max) == pytest.approx((-90.0, -90.0 + 149 * 1.2))
    assert (y_min, y_max) == pytest.approx((-100.0, 155.0))


def test_slab_sample_count_and_validation():
    assert Slab().sample_count(0.7) == 1
    assert Slab(10.0, SlabMode.MINIP).sample_count(1.0) == 11
    with pytest.raises(ValueError):
        Slab(-1.0)


@pytest.mark.parametrize(
    ("voxels", "affine"),
    [
        (np.zeros((1, 64, 64)), np.eye(4)),  # a single image
        (np.zeros((8, 64, 64, 3)), np.eye(4)),  # colour
        (np.zeros((8, 64, 64)), np.diag([1.0, 1.0, 0.0, 1.0])),  # all slices at one position
    ],
)
def test_what_cannot_be_reformatted_is_refused_with_a_message(voxels, affine):
    with pytest.raises(ReformatError, match="2D viewport"):
        check_reformattable(Volume(voxels, affine))
    check_reformattable(Volume(np.zeros((2, 2, 2)), np.eye(4)))
