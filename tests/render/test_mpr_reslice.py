"""Reformats computed by the VTK reslice match the LPS geometry, SimpleITK, and the slab definitions."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk
from tests.render import mpr_phantoms
from tests.render.mpr_phantoms import MARKER_HU, MARKERS
from vtkmodules.util import numpy_support

from workstation.render.image_data import volume_to_image_data
from workstation.render.mpr_reslice import PlaneReslice
from workstation.volume.mpr import (
    AXIAL,
    CORONAL,
    SAGITTAL,
    VIEW_NAMES,
    Crosshair,
    MprPlane,
    Slab,
    SlabMode,
    volume_center,
)
from workstation.volume.volume import Volume


def reformat(volume: Volume, plane: MprPlane, slab: Slab = Slab()) -> tuple[np.ndarray, PlaneReslice]:
    reslice = PlaneReslice(volume_to_image_data(volume), volume)
    reslice.set_plane(plane, slab)
    return reslice.to_numpy(), reslice


def pixel_of(reslice: PlaneReslice, plane: MprPlane, point) -> tuple[float, float]:
    """(row, column) where an LPS point must show in the reformat, from the geometry alone."""
    x, y = plane.to_plane(np.array(point))
    x_min, _, y_min, _ = reslice.bounds
    return (y - y_min) / reslice.pixel_spacing_mm, (x - x_min) / reslice.pixel_spacing_mm


def test_image_data_shares_the_voxels():
    voxels = np.zeros((4, 5, 6), dtype=np.int16)
    image = volume_to_image_data(Volume(voxels, np.eye(4)))
    assert np.shares_memory(numpy_support.vtk_to_numpy(image.GetPointData().GetScalars()), voxels)
    assert image.GetDimensions() == (6, 5, 4)


@pytest.mark.parametrize("gantry_tilt_degrees", [0.0, 15.0])
@pytest.mark.parametrize("name", VIEW_NAMES)
def test_markers_show_where_their_lps_position_says(name: str, gantry_tilt_degrees: float):
    phantom = mpr_phantoms.marker_phantom(gantry_tilt_degrees)
    for marker, position in MARKERS.items():
        plane = Crosshair.standard(np.array(position)).plane(name)
        pixels, reslice = reformat(phantom, plane)
        found = np.argwhere(pixels == MARKER_HU[marker]).mean(axis=0)
        np.testing.assert_allclose(found, pixel_of(reslice, plane, position), atol=1.5)


def test_markers_lie_on_the_radiological_sides(marker_phantom: Volume):
    """Left marker on the screen's right; anterior at the top of the axial, on the left of the sagittal."""
    def centroid(name: str, marker: str) -> np.ndarray:
        pixels, _ = reformat(marker_phantom, Crosshair.standard(np.array(MARKERS[marker])).plane(name))
        return np.argwhere(pixels == MARKER_HU[marker]).mean(axis=0) / np.array(pixels.shape)

    assert centroid(AXIAL, "left")[1] > 0.6
    assert centroid(AXIAL, "anterior")[0] < 0.4
    assert centroid(CORONAL, "left")[1] > 0.6
    assert centroid(CORONAL, "superior")[0] < 0.4
    assert centroid(SAGITTAL, "anterior")[1] < 0.4
    assert centroid(SAGITTAL, "superior")[0] < 0.4


def test_slab_modes_combine_the_planes_across_the_thickness():
    """Voxels equal their z (mm): MIP, MinIP and average of a slab are its top, bottom and middle."""
    affine = np.diag([0.8, 0.8, 2.0, 1.0])
    z = 2.0 * np.arange(50, dtype=np.float32)
    voxels = np.broadcast_to(z[:, None, None], (50, 30, 40)).copy()
    volume = Volume(voxels, affine)
    plane = Crosshair.standard(np.array([10.0, 10.0, 51.0])).plane(AXIAL)
    half = (Slab(8.0).sample_count(0.8) - 1) / 2 * 0.8
    expected = {SlabMode.MIP: 51.0 + half, SlabMode.MINIP: 51.0 - half, SlabMode.AVERAGE: 51.0}
    for mode, value in expected.items():
        pixels, _ = reformat(volume, plane, Slab(8.0, mode))
        assert pixels[10, 10] == pytest.approx(value, abs=1e-3), mode


@pytest.mark.shared_data
def test_slab_mip_of_the_real_ct_is_brighter_than_a_slice_and_minip_darker(ct_series):
    volume, _ = ct_series
    plane = Crosshair.standard(volume_center(volume.affine, volume.size)).plane(AXIAL)
    thin, _ = reformat(volume, plane)
    mip, _ = reformat(volume, plane, Slab(20.0, SlabMode.MIP))
    minip, _ = reformat(volume, plane, Slab(20.0, SlabMode.MINIP))
    average, _ = reformat(volume, plane, Slab(20.0, SlabMode.AVERAGE))
    assert mip.mean() > thin.mean() + 5 and mip.max() >= thin.max()
    assert minip.mean() < thin.mean() - 5 and minip.min() <= thin.min()
    assert np.all(minip <= average + 1) and np.all(average <= mip + 1)


@pytest.mark.shared_data
@pytest.mark.parametrize("name", [AXIAL, CORONAL])
def test_sagittal_mr_reformats_like_a_simpleitk_resample(sagittal_mr_series, name: str):
    """The oblique sagittal MPRAGE, reformatted to an axial/coronal, equals SimpleITK's resample of the same
    patient-space grid (LPS directions as in the radiological views), pixel for pixel."""
    volume, image = sagittal_mr_series
    plane = Crosshair.standard(volume_center(volume.affine, volume.size)).plane(name)
    pixels, reslice = reformat(volume, plane)
    x_min, _, y_min, _ = reslice.bounds
    step = reslice.pixel_spacing_mm
    reference_grid = sitk.Image(pixels.shape[1], pixels.shape[0], 1, image.GetPixelID())
    reference_grid.SetSpacing((step, step, step))
    reference_grid.SetOrigin(tuple(plane.to_patient(x_min, y_min)))
    reference_grid.SetDirection(tuple(np.column_stack([plane.row, plane.column, plane.normal]).reshape(-1)))
    reference = sitk.GetArrayFromImage(sitk.Resample(image, reference_grid, sitk.Transform(), sitk.sitkLinear, 0.0))[0]
    inside = reference > 0
    assert inside.mean() > 0.3  # the head fills a good part of the view
    correlation = np.corrcoef(pixels[inside].astype(float), reference[inside].astype(float))[0, 1]
    assert correlation > 0.99
    assert np.median(np.abs(pixels[inside].astype(float) - reference[inside])) <= 2.0
    # And not merely self-consistent: the same slice flipped left-right (a wrong convention) does not match.
    flipped = np.corrcoef(pixels[:, ::-1][inside].astype(float), reference[inside].astype(float))[0, 1]
    assert flipped < 0.9
