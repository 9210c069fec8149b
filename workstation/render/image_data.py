"""A Volume as a vtkImageData that shares the numpy voxels (no copy of a 300 MB CT).

The image lives in scaled voxel coordinates (origin 0, the volume's spacing, no direction matrix);
``workstation.volume.mpr.patient_to_data_matrix`` maps LPS into that frame, so reslicing and volume
rendering place it in patient space themselves. That keeps every VTK class working, whatever its support
for direction matrices.
"""

from __future__ import annotations

import numpy as np
from vtkmodules.util import numpy_support
from vtkmodules.vtkCommonDataModel import vtkImageData

from workstation.volume.mpr import check_reformattable
from workstation.volume.volume import Volume


def volume_to_image_data(volume: Volume) -> vtkImageData:
    """Wrap the voxels without copying; the image keeps a reference to them for its lifetime.

    Raises ReformatError (a user message) for what MPR and 3D cannot show.
    """
    check_reformattable(volume)
    voxels = np.ascontiguousarray(volume.voxels)
    if voxels.dtype == np.bool_:
        voxels = voxels.astype(np.uint8)
    scalars = numpy_support.numpy_to_vtk(voxels.reshape(-1), deep=False)
    scalars.SetName("voxels")
    image = vtkImageData()
    image.SetDimensions(*volume.size)
    image.SetSpacing(*volume.spacing)
    image.SetOrigin(0.0, 0.0, 0.0)
    image.GetPointData().SetScalars(scalars)
    image._workstation_voxels = voxels  # type: ignore[attr-defined]  # keeps the shared buffer alive
    return image


def image_to_numpy(image: vtkImageData) -> np.ndarray:
    """A 2D or 3D VTK image as a numpy array indexed [k, j, i] (a view on its memory)."""
    columns, rows, slices = image.GetDimensions()
    scalars = numpy_support.vtk_to_numpy(image.GetPointData().GetScalars())
    components = image.GetNumberOfScalarComponents()
    shape = (slices, rows, columns) if components == 1 else (slices, rows, columns, components)
    return scalars.reshape(shape)
