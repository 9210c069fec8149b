"""The 3D view: volume rendering with presets, a clipping box, rotate/zoom/pan with the mouse.

While the user drags, the interactor asks VTK for ``INTERACTIVE_UPDATE_RATE`` frames/s and the ray caster
coarsens its sampling to keep up; when the mouse stops (button still down, or released) a full-quality
frame follows. Opening works the same way: the first frame is drawn at the interactive rate (a CPU ray-cast
full-quality first frame of a CT held the GUI for about 2 s), the full-quality one follows from a timer, so
the reader sees the volume at once and the event loop runs in between.
"""

from __future__ import annotations

import logging

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QPushButton, QVBoxLayout, QWidget
from vtkmodules.qt.QVTKRenderWindowInteractor import QVTKRenderWindowInteractor
from vtkmodules.vtkInteractionStyle import vtkInteractorStyleTrackballCamera
from vtkmodules.vtkInteractionWidgets import vtkBoxRepresentation, vtkBoxWidget2

from workstation.render.capture import grab
from workstation.render.image_data import volume_to_image_data
from workstation.render.opengl_renderer import is_software_renderer, renderer_string
from workstation.render.volume_rendering import INTERACTIVE_UPDATE_RATE, STILL_UPDATE_RATE, VolumeRenderingScene
from workstation.render.vr_presets import load_presets
from workstation.volume.volume import Volume

log = logging.getLogger(__name__)

MOUSE_STOPPED_MS = 250  # no mouse movement for this long during a drag: draw at full quality
FULL_QUALITY_AFTER_FIRST_FRAME_MS = 50  # lets the event loop draw the rest of the window first
DEFAULT_PRESET = "bone"


class VolumeView(QWidget):
    """One 3D view of a volume; ``software_renderer`` None means: ask the OpenGL driver. ``preset``: the key
    of the 3D preset to open with (an unknown one is logged and the default used)."""

    def __init__(self, volume: Volume, software_renderer: bool | None = None, parent: QWidget | None = None,
                 preset: str | None = None):
        super().__init__(parent)
        self.widget = QVTKRenderWindowInteractor(self)
        self.render_window = self.widget.GetRenderWindow()
        self.render_window.SetMultiSamples(0)  # ray-cast images gain nothing from multisampling, and pay for it
        if software_renderer is None:
            renderer = renderer_string(self.render_window)
            software_renderer = is_software_renderer(renderer)
            log.info("3D view: OpenGL renderer %r, %s ray casting", renderer, "CPU" if software_renderer else "GPU")
        self.scene = VolumeRenderingScene(volume_to_image_data(volume), volume, software_renderer)
        self.render_window.AddRenderer(self.scene.renderer)
        self.interactor = self.render_window.GetInteractor()
        self.widget.Initialize()  # so Qt's paint events redraw the view
        style = vtkInteractorStyleTrackballCamera()
        self.interactor.SetInteractorStyle(style)
        self.interactor.SetDesiredUpdateRate(INTERACTIVE_UPDATE_RATE)
        self.interactor.SetStillUpdateRate(STILL_UPDATE_RATE)
        self._mouse_stopped = QTimer(self)
        self._mouse_stopped.setSingleShot(True)
        self._mouse_stopped.setInterval(MOUSE_STOPPED_MS)
        self._mouse_stopped.timeout.connect(self.render_full_quality)
        style.AddObserver("InteractionEvent", lambda *_: self._mouse_stopped.start())  # each step of a drag
        style.AddObserver("EndInteractionEvent", lambda *_: self._mouse_stopped.stop())  # release renders in full

        self.presets = load_presets()
        self.preset_choice = QComboBox()
        for key, choice in self.presets.items():
            self.preset_choice.addItem(choice.name, key)
        self.preset_choice.currentIndexChanged.connect(lambda _: self.set_preset(self.preset_choice.currentData()))
        self.clip_choice = QCheckBox("Clipping box")
        self.clip_choice.toggled.connect(self.show_clipping_box)
        reset = QPushButton("Reset view")
        reset.clicked.connect(self.reset_view)
        controls = QHBoxLayout()
        controls.addWidget(self.preset_choice)
        controls.addWidget(self.clip_choice)
        controls.addStretch(1)
        controls.addWidget(reset)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(self.widget, 1)

        self._box_representation = vtkBoxRepresentation()
        self._box_representation.SetPlaceFactor(1.0)
        self._box_representation.PlaceWidget(self.scene.patient_bounds())
        self._box_widget = vtkBoxWidget2()
        self._box_widget.SetInteractor(self.interactor)
        self._box_widget.SetRepresentation(self._box_representation)
        self._box_widget.RotationEnabledOff()
        self._box_widget.AddObserver("InteractionEvent", lambda *_: self._box_moved())

        if preset is not None and preset not in self.presets:
            log.warning("3D preset %r asked for is unknown; showing %r", preset, DEFAULT_PRESET)
            preset = None
        chosen = preset or (DEFAULT_PRESET if DEFAULT_PRESET in self.presets else None)
        if chosen is not None:
            self.preset_choice.setCurrentIndex(list(self.presets).index(chosen))
        self.set_preset(self.preset_choice.currentData())
        self.scene.reset_camera()
        self.first_frame_done = False  # the coarse first frame is drawn; the full-quality one is on a timer
        self.render_window.SetDesiredUpdateRate(INTERACTIVE_UPDATE_RATE)
        self._first_frame_observer = self.render_window.AddObserver("EndEvent", lambda *_: self._first_frame())

    # Actions (also the targets of commands and keys).

    def set_preset(self, key: str) -> None:
        self.scene.apply_preset(self.presets[key])
        if self.preset_choice.currentData() != key:
            self.preset_choice.blockSignals(True)
            self.preset_choice.setCurrentIndex(list(self.presets).index(key))
            self.preset_choice.blockSignals(False)
        self.render_full_quality()

    def set_clipping_box(self, bounds: tuple[float, float, float, float, float, float] | None) -> None:
        """Clip to LPS bounds (x_min, x_max, y_min, y_max, z_min, z_max), or show everything (None)."""
        self.scene.set_clipping_box(bounds)
        if bounds is not None:
            self._box_representation.PlaceWidget(bounds)
        self.render_full_quality()

    def show_clipping_box(self, shown: bool) -> None:
        """Show the box handles (dragging them clips) or hide them and show the whole volume."""
        if self.clip_choice.isChecked() != shown:
            self.clip_choice.setChecked(shown)
            return
        self._box_widget.SetEnabled(shown)
        self.set_clipping_box(tuple(self._box_representation.GetBounds()) if shown else None)

    def rotate(self, azimuth_degrees: float, elevation_degrees: float = 0.0) -> None:
        camera = self.scene.renderer.GetActiveCamera()
        camera.Azimuth(azimuth_degrees)
        camera.Elevation(elevation_degrees)
        camera.OrthogonalizeViewUp()
        self.scene.renderer.ResetCameraClippingRange()
        self.render_full_quality()

    def zoom(self, factor: float) -> None:
        """Magnify by ``factor`` (> 1 enlarges) about the view's centre."""
        self.scene.renderer.GetActiveCamera().Zoom(factor)
        self.scene.renderer.ResetCameraClippingRange()
        self.render_full_quality()

    def reset_view(self) -> None:
        self.scene.reset_camera()
        self.render_full_quality()

    def render_full_quality(self) -> None:
        """One frame with no time limit: what the reader sees once the mouse stops. A drag still in
        progress goes on at its interactive rate. Nothing is drawn before the view is shown (its first paint
        renders): a CPU ray-cast frame of a CT costs a good part of a second."""
        if not self.isVisible():
            return
        rate = self.render_window.GetDesiredUpdateRate() if self.first_frame_done else STILL_UPDATE_RATE
        self.render_window.SetDesiredUpdateRate(STILL_UPDATE_RATE)
        self.render_window.Render()
        self.render_window.SetDesiredUpdateRate(rate)

    def _first_frame(self) -> None:
        """The coarse first frame is on screen: from now on frames at rest are full quality, starting soon."""
        self.render_window.RemoveObserver(self._first_frame_observer)
        self.render_window.SetDesiredUpdateRate(STILL_UPDATE_RATE)
        self.first_frame_done = True
        QTimer.singleShot(FULL_QUALITY_AFTER_FIRST_FRAME_MS, self, self.render_full_quality)

    def grab_image(self) -> np.ndarray:
        """The 3D view's pixels as [row, column, RGB]."""
        return grab(self.render_window)

    def _box_moved(self) -> None:
        self.scene.set_clipping_box(tuple(self._box_representation.GetBounds()))

    def closeEvent(self, event) -> None:  # noqa: N802  (Qt naming)
        self._mouse_stopped.stop()
        self.widget.Finalize()
        super().closeEvent(event)
