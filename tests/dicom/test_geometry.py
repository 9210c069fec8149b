"""Slice sorting and stack defects, on planes built by hand and on the real CT, MR and enhanced MR.

The real series are compared with SimpleITK (ImageSeriesReader for the single-frame series, ReadImage
for the enhanced files) for size, spacing, origin and direction.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import SimpleITK as sitk

from workstation.dicom.displaysets import VOLUME, display_sets
from workstation.dicom.geometry import ImagePlane, layout_stack
from workstation.dicom.model import read_patients
from workstation.volume.volume import affine_direction, affine_origin, affine_spacing

CT_FOLDER = "ct_volume/pancreatic_ct_cbct_seg_philips_ct/dicom"
MR_FOLDER = "mr_volume/FNNDSC_SAG-anon_siemens_skyra_mprage192"
ENHANCED = "multiframe_enhanced/dcm_qa_enh/In"


def axial(z: float, x: float = 0.0, y: float = 0.0, spacing=(0.5, 0.8)) -> ImagePlane:
    return ImagePlane.from_attributes((x, y, z), (1, 0, 0, 0, 1, 0), spacing)


def test_slices_are_sorted_along_the_normal_not_by_given_order():
    zs = [4.0, -2.0, 0.0, 2.0, 6.0]
    layout = layout_stack([axial(z) for z in zs])
    assert [zs[index] for index in layout.order] == sorted(zs)
    assert layout.warnings == ()
    assert np.allclose(layout.affine[:3, 3], (0, 0, -2))
    assert np.allclose(layout.affine[:3, :3], np.diag([0.8, 0.5, 2.0]))


def test_sagittal_slices_sort_along_their_normal():
    orientation = (0, 1, 0, 0, 0, -1)  # normal = row x column = (-1, 0, 0)
    xs = [10.0, 30.0, 20.0]
    layout = layout_stack([ImagePlane.from_attributes((x, 0, 0), orientation, (1, 1)) for x in xs])
    assert [xs[index] for index in layout.order] == [30.0, 20.0, 10.0]
    assert np.allclose(layout.affine[:3, 2], (-10, 0, 0))


def test_bad_orientation_is_refused_in_words():
    with pytest.raises(ValueError, match="perpendicular"):
        ImagePlane.from_attributes((0, 0, 0), (1, 0, 0, 1, 0, 0), (1, 1))
    with pytest.raises(ValueError, match="6 numbers"):
        ImagePlane.from_attributes((0, 0, 0), (1, 0, 0), (1, 1))


def test_duplicate_positions_keep_the_first_and_are_reported():
    layout = layout_stack([axial(0), axial(2), axial(2), axial(4)])
    assert layout.order == (0, 1, 3)
    assert layout.repeated == (2,)
    assert any("repeat the position" in warning and "2 mm" in warning for warning in layout.warnings)


def test_missing_slices_become_blank_slots_and_keep_distances_true():
    layout = layout_stack([axial(z) for z in (0, 2, 4, 10, 12)])
    assert layout.order == (0, 1, 2, None, None, 3, 4)
    assert np.isclose(layout.affine[2, 2], 2.0)
    assert any("2 slice(s) missing" in warning and "4.0 and 10.0" in warning for warning in layout.warnings)


def test_uneven_spacing_is_reported_with_the_mean_step():
    layout = layout_stack([axial(z) for z in (0, 2, 5, 6.5)])
    assert layout.order == (0, 1, 2, 3)
    assert np.isclose(layout.affine[2, 2], 6.5 / 3)
    assert any("uneven slice spacing" in warning and "1.50 to 3.00" in warning for warning in layout.warnings)


def test_gantry_tilt_is_reported_and_the_affine_keeps_true_positions():
    tilt = math.radians(15)
    planes = [axial(2.0 * k, y=2.0 * k * math.tan(tilt)) for k in range(5)]
    layout = layout_stack(planes[::-1])
    assert any("gantry tilt of 15.0 degrees" in warning for warning in layout.warnings)
    for k in range(5):
        voxel = layout.affine @ np.array([0, 0, k, 1.0])
        assert np.allclose(voxel[:3], planes[k].position)


def test_mixed_orientations_in_one_stack_are_reported():
    coronal = ImagePlane.from_attributes((0, 5, 0), (1, 0, 0, 0, 0, -1), (0.5, 0.8))
    layout = layout_stack([axial(0), axial(2), coronal])
    assert any("different orientations" in warning for warning in layout.warnings)


def _only_volume(folder):
    patients, errors = read_patients([folder])
    assert errors == []
    (series,) = [series for patient in patients for series in patient.all_series()]
    volumes = [display_set for display_set in display_sets(series) if display_set.kind == VOLUME]
    return volumes


def _assert_same_geometry(display_set, image: sitk.Image, slices: int | None = None):
    phase = display_set.phases[0]
    expected_size = [*image.GetSize()[:2], slices or image.GetSize()[2]]
    assert [display_set.columns, display_set.rows, len(phase.slices)] == expected_size
    assert np.allclose(affine_spacing(phase.affine), image.GetSpacing(), atol=1e-3)
    assert np.allclose(affine_origin(phase.affine), image.GetOrigin(), atol=1e-3)
    assert np.allclose(affine_direction(phase.affine), image.GetDirection(), atol=1e-3)


@pytest.mark.shared_data
@pytest.mark.parametrize("folder", [CT_FOLDER, MR_FOLDER])
def test_real_series_geometry_matches_simpleitk(shared_dicom, folder):
    (display_set,) = _only_volume(shared_dicom / folder)
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(shared_dicom / folder)))
    _assert_same_geometry(display_set, reader.Execute())
    assert display_set.warnings == ()


@pytest.mark.shared_data
def test_sagittal_mr_stacks_left_to_right(shared_dicom):
    (display_set,) = _only_volume(shared_dicom / MR_FOLDER)
    k_axis = display_set.phases[0].affine[:3, 2]
    assert abs(k_axis[0]) > 0.99 * np.linalg.norm(k_axis)  # slices step along x (left-right)


@pytest.mark.shared_data
def test_enhanced_siemens_time_point_matches_simpleitk(shared_dicom):
    (display_set,) = _only_volume(shared_dicom / ENHANCED / "Siemens/XA10")
    _assert_same_geometry(display_set, sitk.ReadImage(str(shared_dicom / ENHANCED / "Siemens/XA10/6_1.dcm")))


@pytest.mark.shared_data
def test_enhanced_philips_volumes_match_simpleitk_geometry(shared_dicom):
    """SimpleITK stacks all 64 frames (magnitude, then field map at the same positions) into one image;
    its origin, spacing and direction still describe each of our two 32-slice volumes."""
    magnitude, field_map = _only_volume(shared_dicom / ENHANCED / "Philips")
    image = sitk.ReadImage(str(shared_dicom / ENHANCED / "Philips/IM_0027_fMAP.dcm"))
    for display_set in (magnitude, field_map):
        _assert_same_geometry(display_set, image, slices=32)
