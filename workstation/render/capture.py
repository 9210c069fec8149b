"""Screen grabs of a render window as numpy RGB, for screenshots and for tests that check pixels."""

from __future__ import annotations

import numpy as np
from vtkmodules.vtkRenderingCore import vtkRenderWindow, vtkWindowToImageFilter

from workstation.render.image_data import image_to_numpy


def grab(render_window: vtkRenderWindow) -> np.ndarray:
    """The window's current pixels as [row, column, RGB], row 0 at the top of the screen."""
    grabber = vtkWindowToImageFilter()
    grabber.SetInput(render_window)
    grabber.SetInputBufferTypeToRGB()
    grabber.ReadFrontBufferOff()
    grabber.Update()
    return image_to_numpy(grabber.GetOutput())[0][::-1].copy()
