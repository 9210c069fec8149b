"""The peer the viewing benchmarks compare against: VTK's usual image-slice recipe, nothing of ours."""

from __future__ import annotations

import vtkmodules.vtkInteractionStyle  # noqa: F401 - registers factories
import vtkmodules.vtkRenderingOpenGL2  # noqa: F401
from vtkmodules.vtkCommonDataModel import vtkImageData
from vtkmodules.vtkRenderingCore import vtkImageSlice, vtkRenderer
from vtkmodules.vtkRenderingImage import vtkImageResliceMapper


def plain_slice_renderer(image: vtkImageData, window: float = 400, level: float = 40) -> vtkRenderer:
    """A renderer showing ``image`` through a vtkImageResliceMapper slicing at its camera's focal point."""
    mapper = vtkImageResliceMapper()
    mapper.SetInputData(image)
    mapper.SliceFacesCameraOn()
    mapper.SliceAtFocalPointOn()
    actor = vtkImageSlice()
    actor.SetMapper(mapper)
    actor.GetProperty().SetColorWindow(window)
    actor.GetProperty().SetColorLevel(level)
    renderer = vtkRenderer()
    renderer.AddViewProp(actor)
    return renderer
