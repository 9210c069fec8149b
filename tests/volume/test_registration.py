"""Rigid registration recovers a known shift and turn between a 'current' and a 'prior' volume."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk

from workstation.volume.registration import RegistrationError, register_rigid
from workstation.volume.volume import Volume


def blob_phantom() -> Volume:
    """Soft-tissue ellipsoid with an off-centre bone block and two dense balls: no symmetry to confuse it."""
    k, j, i = np.mgrid[0:48, 0:64, 0:64].astype(np.float32)
    voxels = np.full(k.shape, -1000.0, dtype=np.float32)
    voxels[((i - 32) / 26) ** 2 + ((j - 32) / 22) ** 2 + ((k - 24) / 20) ** 2 < 1] = 40
    voxels[30:38, 36:46, 20:30] = 700
    voxels[(i - 20) ** 2 + (j - 22) ** 2 + (k - 14) ** 2 < 25] = 300
    voxels[(i - 44) ** 2 + (j - 30) ** 2 + (k - 30) ** 2 < 16] = 500
    affine = np.diag([2.0, 2.0, 2.5, 1.0])
    affine[:3, 3] = (-64.0, -64.0, -60.0)
    return Volume(voxels, affine)


def moved(volume: Volume, transform: sitk.Transform) -> Volume:
    """The 'prior': the same anatomy moved so that prior(T(p)) == current(p)."""
    image = sitk.GetImageFromArray(volume.voxels)
    image.SetSpacing(volume.spacing)
    image.SetOrigin(volume.origin)
    image.SetDirection(volume.direction)
    resampled = sitk.Resample(image, image, transform.GetInverse(), sitk.sitkLinear, -1000.0)
    return Volume(sitk.GetArrayFromImage(resampled), volume.affine)


def test_recovers_a_known_rigid_motion():
    current = blob_phantom()
    truth = sitk.Euler3DTransform((0.0, 0.0, 0.0), 0.0, 0.0, np.radians(4.0), (6.0, -4.0, 3.0))
    prior = moved(current, truth)
    result = register_rigid(current, prior)
    for point in ([0.0, 0.0, 0.0], [20.0, -15.0, 10.0], [-25.0, 10.0, -20.0]):
        expected = np.array(truth.TransformPoint(point))
        np.testing.assert_allclose(result.current_to_prior(np.array(point)), expected, atol=1.0)


def test_failure_is_a_user_message():
    current = blob_phantom()
    flat = Volume(np.zeros((4, 4, 4), dtype=np.float32), np.eye(4))
    with pytest.raises(RegistrationError, match="manual offset"):
        register_rigid(current, flat)
