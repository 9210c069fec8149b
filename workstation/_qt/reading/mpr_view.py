"""Three MPR views (axial, coronal, sagittal) of one volume with a shared crosshair and slab controls.

Mouse: left click or drag puts the crosshair there (click-to-locate); the wheel scrolls the view's plane,
Ctrl+wheel zooms, Shift+left drag pans; right drag turns the two other planes about this view's normal
(oblique MPR); middle drag changes window (horizontal) and level (vertical); Up/Down and Page Up/Down
scroll the focused view. Every action also exists as a method, for commands and the keymap (in the reading
screen the VTK views never take the focus: the reading view's commands call these methods).
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget
from vtkmodules.qt.QVTKRenderWindowInteractor import QVTKRenderWindowInteractor

from workstation.render.capture import grab
from workstation.render.image_data import volume_to_image_data
from workstation.render.mpr_scene import MprViewScene, default_window_level
from workstation.volume.mpr import VIEW_NAMES, Crosshair, Slab, SlabMode, volume_center
from workstation.volume.volume import Volume

_SCROLL_KEYS = {"Up": 1, "Down": -1, "Prior": 10, "Next": -10}  # VTK key symbols; Prior/Next: Page Up/Down
_SLAB_CHOICES = (("Thin", None), ("MIP", SlabMode.MIP), ("MinIP", SlabMode.MINIP), ("Average", SlabMode.AVERAGE))


class MprView(QWidget):
    """The MPR layout; ``crosshair_changed`` carries the new Crosshair (for reference lines elsewhere)."""

    crosshair_changed = Signal(object)

    def __init__(self, volume: Volume, window_level: tuple[float, float] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.volume = volume
        self.scroll_step_mm = float(min(volume.spacing))
        image = volume_to_image_data(volume)
        window_level = window_level or default_window_level(volume.voxels)
        self.scenes = {name: MprViewScene(name, image, volume, window_level) for name in VIEW_NAMES}
        self.crosshair = Crosshair.standard(volume_center(volume.affine, volume.size))
        self.slab = Slab()
        self.widgets: dict[str, QVTKRenderWindowInteractor] = {}
        self._drag: tuple[str, str, float, float] | None = None  # (view, button, x, y) of the last event

        views = QHBoxLayout()
        views.setSpacing(2)
        for name, scene in self.scenes.items():
            widget = QVTKRenderWindowInteractor(self)
            widget.GetRenderWindow().SetMultiSamples(0)  # images need no anti-aliasing; it halves the frame rate
            widget.GetRenderWindow().AddRenderer(scene.renderer)
            interactor = widget.GetRenderWindow().GetInteractor()
            widget.Initialize()  # an uninitialised interactor ignores Qt's paint events: nothing would redraw
            interactor.SetInteractorStyle(None)  # no VTK defaults ('e' would close, 'w' wireframe): ours only
            for event in ("LeftButtonPressEvent", "MiddleButtonPressEvent", "RightButtonPressEvent"):
                interactor.AddObserver(event, lambda caller, event, name=name: self._press(name, event))
            for event in ("LeftButtonReleaseEvent", "MiddleButtonReleaseEvent", "RightButtonReleaseEvent"):
                interactor.AddObserver(event, lambda *_: self._release())
            interactor.AddObserver("MouseMoveEvent", lambda *_, name=name: self._move(name))
            interactor.AddObserver("MouseWheelForwardEvent", lambda *_, name=name: self._wheel(name, 1))
            interactor.AddObserver("MouseWheelBackwardEvent", lambda *_, name=name: self._wheel(name, -1))
            interactor.AddObserver("KeyPressEvent", lambda *_, name=name: self._key(name))
            interactor.AddObserver("ConfigureEvent", lambda *_, scene=scene: scene.fit())
            widget.setMinimumSize(160, 160)
            views.addWidget(widget, 1)
            self.widgets[name] = widget

        self.slab_mode = QComboBox()
        for label, _ in _SLAB_CHOICES:
            self.slab_mode.addItem(label)
        self.slab_thickness = QDoubleSpinBox()
        self.slab_thickness.setRange(0.0, 200.0)
        self.slab_thickness.setSingleStep(1.0)
        self.slab_thickness.setSuffix(" mm")
        self.slab_thickness.setValue(10.0)
        self.slab_mode.currentIndexChanged.connect(self._slab_controls_changed)
        self.slab_thickness.valueChanged.connect(self._slab_controls_changed)
        reset = QPushButton("Reset")
        reset.clicked.connect(self.reset)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Slab"))
        controls.addWidget(self.slab_mode)
        controls.addWidget(self.slab_thickness)
        controls.addStretch(1)
        controls.addWidget(reset)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addLayout(views, 1)
        for scene in self.scenes.values():
            scene.show(self.crosshair, self.slab)  # drawn when the widgets are first painted

    # Actions (also the targets of commands and keys).

    def set_crosshair(self, crosshair: Crosshair) -> None:
        self.crosshair = crosshair
        self._show_all()
        self.crosshair_changed.emit(crosshair)

    def locate(self, point: np.ndarray) -> None:
        """Put the crosshair at an LPS point: every view shows the planes through it."""
        self.set_crosshair(self.crosshair.moved_to(point))

    def scroll(self, name: str, steps: int) -> None:
        """Next/previous plane of one view (one step = the volume's finest spacing)."""
        self.set_crosshair(self.crosshair.scrolled(name, steps * self.scroll_step_mm))

    def rotate(self, name: str, degrees: float) -> None:
        """Oblique MPR: turn the two other planes about view ``name``'s normal."""
        self.set_crosshair(self.crosshair.rotated(name, degrees))

    def set_slab(self, slab: Slab) -> None:
        self.slab = slab
        self._sync_slab_controls()
        self._show_all()

    def set_window_level(self, window: float, level: float) -> None:
        for scene in self.scenes.values():
            scene.set_window_level(window, level)
        self.render()

    def zoom(self, name: str, factor: float) -> None:
        """Magnify one view by ``factor`` (> 1 enlarges); scrolling keeps it, Reset fits again."""
        self.scenes[name].zoom(factor)
        self.widgets[name].GetRenderWindow().Render()

    def reset(self) -> None:
        """Back to the standard planes through the volume's centre, thin slices, whole volume in view."""
        self.slab = Slab()
        self._sync_slab_controls()
        for scene in self.scenes.values():
            scene.fit()
        self.set_crosshair(Crosshair.standard(volume_center(self.volume.affine, self.volume.size)))

    def render(self) -> None:
        for widget in self.widgets.values():
            widget.GetRenderWindow().Render()

    def grab_view(self, name: str) -> np.ndarray:
        """One view's pixels as [row, column, RGB] (for screenshots and checks)."""
        window = self.widgets[name].GetRenderWindow()
        window.Render()
        return grab(window)

    # Internals.

    def _show_all(self) -> None:
        for scene in self.scenes.values():
            scene.show(self.crosshair, self.slab)
        self.render()

    def _sync_slab_controls(self) -> None:
        index = 0 if self.slab.thickness_mm <= 0 else [mode for _, mode in _SLAB_CHOICES].index(self.slab.mode)
        for control in (self.slab_mode, self.slab_thickness):
            control.blockSignals(True)
        self.slab_mode.setCurrentIndex(index)
        if self.slab.thickness_mm > 0:
            self.slab_thickness.setValue(self.slab.thickness_mm)
        for control in (self.slab_mode, self.slab_thickness):
            control.blockSignals(False)

    def _slab_controls_changed(self, *_: object) -> None:
        mode = _SLAB_CHOICES[self.slab_mode.currentIndex()][1]
        self.slab = Slab() if mode is None else Slab(self.slab_thickness.value(), mode)
        self._show_all()

    def _event_position(self, name: str) -> tuple[float, float]:
        x, y = self.widgets[name].GetRenderWindow().GetInteractor().GetEventPosition()
        return float(x), float(y)

    def _wheel(self, name: str, steps: int) -> None:
        if self.widgets[name].GetRenderWindow().GetInteractor().GetControlKey():
            self.zoom(name, 1.1**steps)
        else:
            self.scroll(name, steps)

    def _press(self, name: str, event: str) -> None:
        button = event.replace("ButtonPressEvent", "").lower()
        if button == "left" and self.widgets[name].GetRenderWindow().GetInteractor().GetShiftKey():
            button = "pan"
        x, y = self._event_position(name)
        self._drag = (name, button, x, y)
        if button == "left":
            self.locate(self.scenes[name].display_to_patient(x, y))

    def _release(self) -> None:
        self._drag = None

    def _move(self, name: str) -> None:
        if self._drag is None or self._drag[0] != name:
            return
        _, button, last_x, last_y = self._drag
        x, y = self._event_position(name)
        self._drag = (name, button, x, y)
        scene = self.scenes[name]
        if button == "left":
            self.locate(scene.display_to_patient(x, y))
        elif button == "right":
            self.rotate(name, self._turn_degrees(name, (last_x, last_y), (x, y)))
        elif button == "pan":
            dx, dy = scene.display_to_plane(x, y) - scene.display_to_plane(last_x, last_y)
            scene.pan(dx, dy)
            self.widgets[name].GetRenderWindow().Render()
        elif button == "middle":
            window, level = scene.window_level
            self.set_window_level(max(1.0, window * math.exp((x - last_x) / 200)), level - (y - last_y) * window / 400)

    def _turn_degrees(self, name: str, start: tuple[float, float], end: tuple[float, float]) -> float:
        """Angle swept on screen around the crosshair centre, clockwise positive (as Crosshair.rotated)."""
        scene = self.scenes[name]
        center = scene.plane.to_plane(self.crosshair.center)
        before, after = scene.display_to_plane(*start) - center, scene.display_to_plane(*end) - center
        # Plane coordinates have y down the screen, so a positive angle in (x, y) is clockwise on screen.
        swept = math.atan2(after[1], after[0]) - math.atan2(before[1], before[0])
        return math.degrees((swept + math.pi) % (2 * math.pi) - math.pi)

    def _key(self, name: str) -> None:
        steps = _SCROLL_KEYS.get(self.widgets[name].GetRenderWindow().GetInteractor().GetKeySym())
        if steps is not None:
            self.scroll(name, steps)

    def closeEvent(self, event) -> None:  # noqa: N802
        for widget in self.widgets.values():
            widget.Finalize()
        super().closeEvent(event)
