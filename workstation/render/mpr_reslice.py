"""Reformat of one MPR plane, thin or slab (MIP / MinIP / average), with vtkImageReslice.

The reslice axes come from the plane in LPS and the volume's affine, so the output's x runs along the
plane's ``row`` and y along its ``column`` whatever the acquisition; the output pixel (x, y) lies at the
plane's in-plane mm (x, y), which the views use directly as world coordinates.
"""

from __future__ import annotations

import numpy as np
from vtkmodules.util import numpy_support
from vtkmodules.vtkCommonMath import vtkMatrix4x4
from vtkmodules.vtkCommonDataModel import vtkImageData
from vtkmodules.vtkImagingCore import vtkImageReslice

from workstation.render.image_data import image_to_numpy
from workstation.volume.mpr import MprPlane, Slab, SlabMode, patient_to_data_matrix, plane_bounds, volume_corners
from workstation.volume.volume import Volume

_SLAB_MODES = {
    SlabMode.MIP: "SetSlabModeToMax",
    SlabMode.MINIP: "SetSlabModeToMin",
    SlabMode.AVERAGE: "SetSlabModeToMean",
}


def to_vtk_matrix(matrix: np.ndarray) -> vtkMatrix4x4:
    vtk_matrix = vtkMatrix4x4()
    vtk_matrix.DeepCopy(np.asarray(matrix, dtype=float).reshape(-1).tolist())
    return vtk_matrix


class PlaneReslice:
    """One plane's reformat; ``pixel_spacing_mm`` defaults to the volume's finest spacing."""

    def __init__(self, image: vtkImageData, volume: Volume, pixel_spacing_mm: float | None = None) -> None:
        self._patient_to_data = patient_to_data_matrix(volume.affine)
        self._corners = volume_corners(volume.affine, volume.size)
        self.pixel_spacing_mm = float(pixel_spacing_mm or min(volume.spacing))
        self.slab_sample_spacing_mm = float(min(volume.spacing))
        self.reslice = vtkImageReslice()
        self.reslice.SetInputData(image)
        self.reslice.SetInterpolationModeToLinear()
        self.reslice.SetBackgroundLevel(float(numpy_support.vtk_to_numpy(image.GetPointData().GetScalars()).min()))
        self.reslice.SetSlabSliceSpacingFraction(1.0)
        self.bounds: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)

    def set_plane(self, plane: MprPlane, slab: Slab) -> None:
        """Point the reformat at ``plane``; its in-plane extent covers the whole volume's projection."""
        x_min, x_max, y_min, y_max = self.bounds = plane_bounds(plane, self._corners)
        step = self.pixel_spacing_mm
        columns = int(np.floor((x_max - x_min) / step)) + 1
        rows = int(np.floor((y_max - y_min) / step)) + 1
        self.reslice.SetResliceAxes(to_vtk_matrix(self._patient_to_data @ plane.axes_matrix()))
        self.reslice.SetOutputOrigin(x_min, y_min, 0.0)
        self.reslice.SetOutputSpacing(step, step, self.slab_sample_spacing_mm)
        self.reslice.SetOutputExtent(0, columns - 1, 0, rows - 1, 0, 0)
        samples = slab.sample_count(self.slab_sample_spacing_mm)
        self.reslice.SetSlabNumberOfSlices(samples)
        # VTK 9.7's optimised path misplaces slab samples (nearest voxel, or half a sample off) when the
        # plane is parallel to the voxel grid; the general path is exact, and fast enough for slabs.
        self.reslice.SetOptimization(samples == 1)
        getattr(self.reslice, _SLAB_MODES[slab.mode])()

    def output_port(self):
        return self.reslice.GetOutputPort()

    def to_numpy(self) -> np.ndarray:
        """The current reformat as [row, column]: row 0 is the top of the screen (smallest y)."""
        self.reslice.Update()
        return image_to_numpy(self.reslice.GetOutput())[0].copy()
