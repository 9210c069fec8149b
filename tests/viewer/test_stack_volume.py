"""A volume from a 2D stack (what MPR and 3D in the reading screen use) matches the assembled volume."""

from __future__ import annotations

import numpy as np
import pytest

from workstation.dicom.displaysets import display_sets
from workstation.dicom.model import read_patients
from workstation.viewer.phantoms import phantom_stack
from workstation.viewer.stack_building import stacks_from_files
from workstation.viewer.stack_volume import stack_affine, volume_from_stack
from workstation.volume.assembly import assemble_volume
from workstation.volume.mpr import ReformatError

MR_FOLDER = "mr_volume/FNNDSC_SAG-anon_siemens_skyra_mprage192"


def _voxel_positions(affine: np.ndarray, count: int) -> np.ndarray:
    return np.array([(affine @ [0, 0, k, 1])[:3] for k in range(count)])


@pytest.mark.shared_data
def test_sagittal_mr_stack_volume_has_the_assembled_geometry_and_pixels(shared_dicom):
    stacks, _ = stacks_from_files([shared_dicom / MR_FOLDER])
    stack = max(stacks, key=len)
    volume = volume_from_stack(stack)  # nothing decoded yet: every image is decoded here
    patients, _ = read_patients([shared_dicom / MR_FOLDER])
    display_set = max((d for patient in patients for series in patient.all_series() for d in display_sets(series)),
                      key=lambda d: len(d.phases[0].slices))
    assembled = assemble_volume(display_set)
    assert volume.voxels.shape == assembled.voxels.shape
    # same in-plane axes; the stack may run the other way along the slices (reading order)
    assert np.allclose(volume.affine[:3, :2], assembled.affine[:3, :2], atol=1e-4)
    ours = _voxel_positions(volume.affine, volume.voxels.shape[0])
    theirs = _voxel_positions(assembled.affine, assembled.voxels.shape[0])
    order = slice(None) if np.allclose(ours[0], theirs[0], atol=1e-3) else slice(None, None, -1)
    assert np.allclose(ours, theirs[order], atol=1e-3)
    assert np.array_equal(volume.voxels, assembled.voxels[order])
    # and every voxel column sits where its image's header says
    assert np.allclose(ours, [plane.position for plane in stack.planes], atol=1e-3)


def test_images_already_decoded_are_reused_and_the_rest_decoded():
    stack = phantom_stack(slices=6, size=32)
    snapshot = [stack.pixels(i) for i in range(len(stack))]
    snapshot[2] = np.full_like(snapshot[2], 1234)  # a value the files do not have: proves reuse
    volume = volume_from_stack(stack, snapshot)
    assert volume.voxels.shape == (6, 32, 32)
    assert (volume.voxels[2] == 1234).all()
    assert np.array_equal(volume.voxels[3], stack.pixels(3))
    assert np.allclose(volume.affine[:3, 3], stack.planes[0].position)


def test_uneven_spacing_and_single_images_are_refused_with_a_message():
    stack = phantom_stack(slices=8, size=16)
    del stack.planes[4]
    del stack._pixels[4]
    with pytest.raises(ReformatError, match="not evenly spaced"):
        stack_affine(stack)
    single = phantom_stack(slices=1, size=16)
    with pytest.raises(ReformatError, match="at least 2 images"):
        volume_from_stack(single)


@pytest.mark.shared_data
def test_header_window_of_a_per_image_windowed_mr_comes_from_its_middle_image(shared_dicom):
    stacks, _ = stacks_from_files([shared_dicom / MR_FOLDER])
    stack = max(stacks, key=len)
    # the scanner set 11/22 on the first (edge) slice and 274/612 on the middle one
    assert (stack.header_windows[0].center, stack.header_windows[0].width) == (274.0, 612.0)
