"""Rigid registration of a prior to the current volume (SimpleITK), for synchronised current/prior reading
when the two studies share no frame of reference.

The result maps an LPS point of the current study to the same anatomy in the prior, so a viewer can
scroll the prior to where the current one shows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import SimpleITK as sitk

from workstation.core.errors import WorkstationError
from workstation.volume.volume import Volume

log = logging.getLogger(__name__)


class RegistrationError(WorkstationError):
    """Registration did not converge or could not start; the reader can still set an offset by hand."""


@dataclass(frozen=True, eq=False)
class RigidRegistration:
    """``matrix`` (4x4) maps current LPS mm to prior LPS mm; ``metric`` is the final Mattes mutual information
    (more negative is better)."""

    matrix: np.ndarray
    metric: float

    def current_to_prior(self, point: np.ndarray) -> np.ndarray:
        return (self.matrix @ np.append(np.asarray(point, dtype=float), 1.0))[:3]

    @property
    def translation_mm(self) -> np.ndarray:
        return self.matrix[:3, 3]


REGISTRATION_VOXELS = 4_000_000  # more detail than this does not change a rigid fit, only its time


def decimated(volume: Volume, max_voxels: int = REGISTRATION_VOXELS) -> Volume:
    """Every n-th voxel along each axis (a view, no copy) so that at most ``max_voxels`` remain."""
    step = max(1, int(np.ceil((volume.voxels.size / max_voxels) ** (1 / 3))))
    if step == 1:
        return volume
    affine = np.array(volume.affine, dtype=float)
    affine[:3, :3] *= step
    return Volume(volume.voxels[::step, ::step, ::step], affine, volume.frame_of_reference_uid, volume.warnings)


def _to_sitk(volume: Volume) -> sitk.Image:
    image = sitk.GetImageFromArray(np.asarray(volume.voxels, dtype=np.float32))
    image.SetSpacing(volume.spacing)
    image.SetOrigin(volume.origin)
    image.SetDirection(volume.direction)
    return image


def register_rigid(current: Volume, prior: Volume, *, iterations: int = 150) -> RigidRegistration:
    """Six-parameter registration (rotation + translation), coarse to fine (shrink 4 then 2), started from the
    volumes' centres aligned. Large volumes are decimated first (``decimated``)."""
    fixed, moving = _to_sitk(decimated(current)), _to_sitk(decimated(prior))
    method = sitk.ImageRegistrationMethod()
    method.SetMetricAsMattesMutualInformation(numberOfHistogramBins=50)
    method.SetMetricSamplingStrategy(method.RANDOM)
    method.SetMetricSamplingPercentage(0.2, seed=1)
    method.SetInterpolator(sitk.sitkLinear)
    method.SetOptimizerAsRegularStepGradientDescent(
        learningRate=2.0, minStep=1e-3, numberOfIterations=iterations, relaxationFactor=0.6
    )
    method.SetOptimizerScalesFromPhysicalShift()
    method.SetShrinkFactorsPerLevel([4, 2])
    method.SetSmoothingSigmasPerLevel([2.0, 1.0])
    method.SmoothingSigmasAreSpecifiedInPhysicalUnitsOff()
    initial = sitk.CenteredTransformInitializer(
        fixed, moving, sitk.Euler3DTransform(), sitk.CenteredTransformInitializerFilter.GEOMETRY
    )
    method.SetInitialTransform(initial, inPlace=False)
    try:
        transform = method.Execute(fixed, moving)
    except RuntimeError as error:
        log.warning("rigid registration failed: %s", error)
        raise RegistrationError(
            "The current and prior volumes could not be registered; synchronise them with a manual offset."
        ) from error
    euler = sitk.Euler3DTransform(sitk.CompositeTransform(transform).GetNthTransform(0))
    matrix = np.eye(4)
    rotation = np.array(euler.GetMatrix()).reshape(3, 3)
    center = np.array(euler.GetCenter())
    matrix[:3, :3] = rotation
    matrix[:3, 3] = np.array(euler.GetTranslation()) + center - rotation @ center
    log.info("rigid registration: metric %.4f after %d iterations, stop: %s",
             method.GetMetricValue(), method.GetOptimizerIteration(), method.GetOptimizerStopConditionDescription())
    return RigidRegistration(matrix, float(method.GetMetricValue()))
