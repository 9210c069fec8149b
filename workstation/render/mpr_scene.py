"""One MPR view as a VTK renderer: the reformatted plane, the other planes' reference lines (crosshair)
and orientation letters at the four edges.

World coordinates of the renderer are the plane's in-plane mm (x to the right, y down the screen), so a
reformat pixel, a reference line from ``workstation.volume.mpr`` and a mouse position share one frame.
"""

from __future__ import annotations

import numpy as np
import vtkmodules.vtkRenderingFreeType  # noqa: F401  (text rendering factory)
import vtkmodules.vtkRenderingOpenGL2  # noqa: F401  (OpenGL factories)
from vtkmodules.vtkCommonDataModel import vtkImageData
from vtkmodules.vtkFiltersSources import vtkLineSource
from vtkmodules.vtkRenderingCore import (
    vtkActor,
    vtkImageActor,
    vtkPolyDataMapper,
    vtkRenderer,
    vtkTextActor,
)

from workstation.render.mpr_reslice import PlaneReslice
from workstation.volume.mpr import Crosshair, MprPlane, Slab, SlabMode, reference_line, view_letters
from workstation.volume.volume import Volume

# Line colour of each plane where it shows on the other views (the usual red/green/yellow of MPR).
PLANE_COLORS = {"axial": (1.0, 0.3, 0.3), "coronal": (0.3, 1.0, 0.3), "sagittal": (1.0, 1.0, 0.3)}
# edge: (x, y) in the normalised viewport, then horizontal and vertical justification (0 left/bottom,
# 1 centred, 2 right/top).
_TEXT_PLACES = {
    "left": (0.01, 0.5, 0, 1), "right": (0.99, 0.5, 2, 1), "top": (0.5, 0.99, 1, 2), "bottom": (0.5, 0.01, 1, 0),
    "caption": (0.01, 0.99, 0, 2),
}
_SLAB_NAMES = {SlabMode.MIP: "MIP", SlabMode.MINIP: "MinIP", SlabMode.AVERAGE: "Average"}


def default_window_level(voxels: np.ndarray) -> tuple[float, float]:
    """A window spanning the 1st to 99th percentile of a subsample: a sane start for any modality."""
    sample = voxels[:: max(1, voxels.shape[0] // 32), ::4, ::4]
    low, high = np.percentile(sample, (1, 99))
    return float(max(high - low, 1.0)), float((high + low) / 2)


class MprViewScene:
    """The renderer of one plane (``name`` is "axial", "coronal" or "sagittal")."""

    def __init__(self, name: str, image: vtkImageData, volume: Volume, window_level: tuple[float, float]) -> None:
        self.name = name
        self.reslice = PlaneReslice(image, volume)
        self.renderer = vtkRenderer()
        self.renderer.SetBackground(0.0, 0.0, 0.0)
        self.image_actor = vtkImageActor()
        self.image_actor.GetMapper().SetInputConnection(self.reslice.output_port())
        self.image_actor.GetProperty().SetInterpolationTypeToLinear()
        self.renderer.AddViewProp(self.image_actor)
        self.set_window_level(*window_level)
        self._lines: dict[str, vtkLineSource] = {}
        for other, color in PLANE_COLORS.items():
            if other == name:
                continue
            source = vtkLineSource()
            mapper = vtkPolyDataMapper()
            mapper.SetInputConnection(source.GetOutputPort())
            actor = vtkActor()
            actor.SetMapper(mapper)
            actor.GetProperty().SetColor(*color)
            actor.GetProperty().SetLineWidth(1.5)
            self.renderer.AddActor(actor)
            self._lines[other] = source
        self._letters = {edge: self._text_actor(edge, size=18) for edge in ("left", "right", "top", "bottom")}
        self._caption = self._text_actor("caption", size=14)
        self.plane: MprPlane | None = None
        self._fitted_orientation: tuple[float, ...] | None = None

    def _text_actor(self, place: str, size: int) -> vtkTextActor:
        x, y, horizontal, vertical = _TEXT_PLACES[place]
        actor = vtkTextActor()
        actor.GetPositionCoordinate().SetCoordinateSystemToNormalizedViewport()
        actor.GetPositionCoordinate().SetValue(x, y)
        text = actor.GetTextProperty()
        text.SetFontSize(size)
        text.SetColor(1.0, 1.0, 0.6)
        text.SetBold(True)
        text.SetJustification(horizontal)
        text.SetVerticalJustification(vertical)
        self.renderer.AddViewProp(actor)
        return actor

    @property
    def letters(self) -> dict[str, str]:
        return {edge: actor.GetInput() for edge, actor in self._letters.items()}

    @property
    def caption(self) -> str:
        return self._caption.GetInput()

    def set_window_level(self, window: float, level: float) -> None:
        self.image_actor.GetProperty().SetColorWindow(max(float(window), 1e-3))
        self.image_actor.GetProperty().SetColorLevel(float(level))

    @property
    def window_level(self) -> tuple[float, float]:
        prop = self.image_actor.GetProperty()
        return prop.GetColorWindow(), prop.GetColorLevel()

    def show(self, crosshair: Crosshair, slab: Slab) -> None:
        """Reformat this view's plane of ``crosshair`` with ``slab``; refit the camera when it turned."""
        plane = self.plane = crosshair.plane(self.name)
        self.reslice.set_plane(plane, slab)
        x_min, x_max, y_min, y_max = self.reslice.bounds
        reach = float(np.hypot(x_max - x_min, y_max - y_min))
        for other_name, source in self._lines.items():
            line = reference_line(plane, crosshair.plane(other_name))
            if line is None:
                source.SetPoint1(0, 0, 0)
                source.SetPoint2(0, 0, 0)
                continue
            point, direction = line
            source.SetPoint1(*(point - reach * direction), -1.0)
            source.SetPoint2(*(point + reach * direction), -1.0)
        for edge, letter in view_letters(plane).items():
            self._letters[edge].SetInput(letter)
        thickness = "" if slab.thickness_mm <= 0 else f"  {_SLAB_NAMES[slab.mode]} {slab.thickness_mm:g} mm"
        self._caption.SetInput(f"{self.name.capitalize()}{thickness}")
        orientation = (*plane.row, *plane.column)
        if self._fitted_orientation is None or not np.allclose(orientation, self._fitted_orientation):
            self.fit()
            self._fitted_orientation = orientation

    def fit(self) -> None:
        """Whole reformat in view, x to the right and y down (camera on the viewer's side, looking +z)."""
        x_min, x_max, y_min, y_max = self.reslice.bounds
        center = ((x_min + x_max) / 2, (y_min + y_max) / 2)
        camera = self.renderer.GetActiveCamera()
        camera.ParallelProjectionOn()
        camera.SetFocalPoint(*center, 0.0)
        camera.SetPosition(*center, -1000.0)
        camera.SetViewUp(0.0, -1.0, 0.0)
        camera.SetClippingRange(1.0, 2000.0)
        width, height = self.renderer.GetSize() if self.renderer.GetRenderWindow() else (1, 1)
        aspect = max(width, 1) / max(height, 1)
        camera.SetParallelScale(1.02 * max((y_max - y_min) / 2, (x_max - x_min) / 2 / aspect))

    def zoom(self, factor: float) -> None:
        """Magnify by ``factor`` (> 1 enlarges) about the view's centre."""
        camera = self.renderer.GetActiveCamera()
        camera.SetParallelScale(camera.GetParallelScale() / factor)

    def pan(self, dx_mm: float, dy_mm: float) -> None:
        """Move the image by (dx, dy) in-plane mm on screen (right and down positive)."""
        camera = self.renderer.GetActiveCamera()
        focal, position = np.array(camera.GetFocalPoint()), np.array(camera.GetPosition())
        shift = np.array([-dx_mm, -dy_mm, 0.0])
        camera.SetFocalPoint(*(focal + shift))
        camera.SetPosition(*(position + shift))

    def display_to_plane(self, x_pixel: float, y_pixel: float) -> np.ndarray:
        """In-plane (x, y) mm under a display pixel (VTK display coordinates: origin bottom-left)."""
        self.renderer.SetDisplayPoint(x_pixel, y_pixel, 0.0)
        self.renderer.DisplayToWorld()
        world = self.renderer.GetWorldPoint()
        return np.array([world[0] / world[3], world[1] / world[3]])

    def display_to_patient(self, x_pixel: float, y_pixel: float) -> np.ndarray:
        """LPS point on this view's plane under a display pixel (click-to-locate)."""
        if self.plane is None:
            raise RuntimeError("the view shows no plane yet")
        return self.plane.to_patient(*self.display_to_plane(x_pixel, y_pixel))
