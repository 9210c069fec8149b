"""3D volume rendering of a Volume in patient space: presets, clipping box, and quality that drops
while the user drags and comes back when the mouse stops.

CPU ray casting (vtkSmartVolumeMapper in RayCast mode, i.e. VTK's fixed-point ray caster) on software
OpenGL, GPU ray casting otherwise (the smart mapper's default mode, which falls back to the CPU when the
GPU lacks what it needs). Speed while interacting comes from the render window's desired update
rate: during a drag the interactor raises it and the mapper coarsens its sampling to fit the frame
time; at rest the still update rate gives it all the time a full-quality frame needs.
"""

from __future__ import annotations

import numpy as np
import vtkmodules.vtkRenderingOpenGL2  # noqa: F401  (OpenGL factories)
import vtkmodules.vtkRenderingVolumeOpenGL2  # noqa: F401  (GPU and smart volume mapper factories)
from vtkmodules.vtkCommonDataModel import vtkImageData, vtkPlane, vtkPlaneCollection, vtkPiecewiseFunction
from vtkmodules.vtkRenderingCore import vtkColorTransferFunction, vtkRenderer, vtkVolume, vtkVolumeProperty
from vtkmodules.vtkRenderingVolumeOpenGL2 import vtkSmartVolumeMapper

from workstation.render.mpr_reslice import to_vtk_matrix
from workstation.render.vr_presets import VolumeRenderingPreset
from workstation.volume.mpr import patient_to_data_matrix, volume_center, volume_corners
from workstation.volume.volume import Volume

INTERACTIVE_UPDATE_RATE = 15.0  # frames/s asked for while dragging
STILL_UPDATE_RATE = 0.001  # at rest: no time limit, full quality

_BLEND_MODES = {
    "composite": "SetBlendModeToComposite",
    "maximum_intensity": "SetBlendModeToMaximumIntensity",
    "minimum_intensity": "SetBlendModeToMinimumIntensity",
}


class VolumeRenderingScene:
    """A renderer holding one volume; world coordinates are LPS mm."""

    def __init__(self, image: vtkImageData, volume: Volume, software_renderer: bool) -> None:
        self.software_renderer = software_renderer
        self.mapper = vtkSmartVolumeMapper()
        self.mapper.SetInputData(image)
        if software_renderer:
            self.mapper.SetRequestedRenderModeToRayCast()
        else:
            self.mapper.SetRequestedRenderModeToDefault()  # GPU ray casting, CPU if the GPU cannot
        # The ray caster sizes every frame to the window's desired update rate: coarse while dragging, full
        # at rest. (The smart mapper's own "interactive adjust" switches adjusting off at rest instead, so the
        # frame after a drag kept the drag's coarse sampling.)
        self.mapper.InteractiveAdjustSampleDistancesOff()
        self.mapper.AutoAdjustSampleDistancesOn()
        self.property = vtkVolumeProperty()
        self.property.SetInterpolationTypeToLinear()
        self.property.IndependentComponentsOn()
        self.actor = vtkVolume()
        self.actor.SetMapper(self.mapper)
        self.actor.SetProperty(self.property)
        self.actor.SetUserMatrix(to_vtk_matrix(np.linalg.inv(patient_to_data_matrix(volume.affine))))
        self.renderer = vtkRenderer()
        self.renderer.SetBackground(0.0, 0.0, 0.0)
        self.renderer.AddVolume(self.actor)
        self.corners = volume_corners(volume.affine, volume.size)
        self.center = volume_center(volume.affine, volume.size)
        self.preset: VolumeRenderingPreset | None = None
        self.clipping_box: tuple[float, ...] | None = None

    def apply_preset(self, preset: VolumeRenderingPreset) -> None:
        opacity = vtkPiecewiseFunction()
        for value, alpha in preset.scalar_opacity:
            opacity.AddPoint(value, alpha)
        color = vtkColorTransferFunction()
        for value, red, green, blue in preset.color:
            color.AddRGBPoint(value, red, green, blue)
        self.property.SetScalarOpacity(opacity)
        self.property.SetColor(color)
        self.property.SetShade(preset.shade)
        self.property.SetAmbient(preset.ambient)
        self.property.SetDiffuse(preset.diffuse)
        self.property.SetSpecular(preset.specular)
        self.property.SetSpecularPower(preset.specular_power)
        getattr(self.mapper, _BLEND_MODES[preset.blend_mode])()
        self.preset = preset

    def patient_bounds(self) -> tuple[float, float, float, float, float, float]:
        """(x_min, x_max, y_min, y_max, z_min, z_max) LPS mm of the whole volume: the widest clipping box."""
        low, high = self.corners.min(axis=0), self.corners.max(axis=0)
        return float(low[0]), float(high[0]), float(low[1]), float(high[1]), float(low[2]), float(high[2])

    def set_clipping_box(self, bounds: tuple[float, float, float, float, float, float] | None) -> None:
        """Keep only what lies inside an LPS-aligned box (x_min, x_max, y_min, y_max, z_min, z_max); None: all."""
        self.clipping_box = None if bounds is None else tuple(float(v) for v in bounds)
        planes = vtkPlaneCollection()
        if bounds is not None:
            for axis in range(3):
                for side, sign in ((0, 1.0), (1, -1.0)):
                    plane = vtkPlane()
                    origin = [0.0, 0.0, 0.0]
                    origin[axis] = bounds[2 * axis + side]
                    normal = [0.0, 0.0, 0.0]
                    normal[axis] = sign  # normals point into the kept box
                    plane.SetOrigin(origin)
                    plane.SetNormal(normal)
                    planes.AddItem(plane)
        self.mapper.SetClippingPlanes(planes)

    def reset_camera(self) -> None:
        """Anterior view: the patient faces the viewer, head up, the patient's left on the screen's right."""
        camera = self.renderer.GetActiveCamera()
        camera.ParallelProjectionOff()
        camera.SetFocalPoint(*self.center)
        camera.SetPosition(*(self.center + np.array([0.0, -1.0, 0.0])))
        camera.SetViewUp(0.0, 0.0, 1.0)
        self.renderer.ResetCamera(self.patient_bounds())
        camera.Zoom(1.3)  # ResetCamera fits the bounding sphere; the box's corners may leave the view
        self.renderer.ResetCameraClippingRange()
