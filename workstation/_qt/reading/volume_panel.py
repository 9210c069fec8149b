"""The reading screen's volume panel: MPR (three planes with the crosshair) or 3D of one display set.

The volume is built in a worker (``build_volume``: from the stack's decoded images or its files), so the
GUI keeps drawing the 2D viewports meanwhile; the last volumes are kept, so switching between 2D, MPR and
3D of one series is instant. Keys reach the panel through the reading view's commands (the VTK widgets
never take the keyboard focus): arrows scroll the active MPR plane or turn the 3D view.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from workstation._qt.background import BackgroundTasks
from workstation._qt.reading.mpr_view import MprView
from workstation._qt.reading.volume_view import VolumeView
from workstation.core.errors import WorkstationError
from workstation.dicom.voi import WindowLevel
from workstation.viewer.image_plane import ImagePlane
from workstation.viewer.image_stack import ImageStack
from workstation.viewer.reading_session import MPR
from workstation.viewer.stack_volume import build_volume
from workstation.volume.mpr import AXIAL, VIEW_NAMES, Crosshair, Slab, SlabMode
from workstation.volume.volume import Volume

log = logging.getLogger(__name__)

KEPT_VOLUMES = 2  # current and prior: a 300-slice CT is 150 MB
OBLIQUE_STEP_DEGREES = 5.0
TURN_STEP_DEGREES = 10.0
SLAB_THICKNESSES_MM = (0.0, 2.0, 5.0, 10.0, 20.0, 40.0)
SLAB_MODES = (SlabMode.MIP, SlabMode.MINIP, SlabMode.AVERAGE)
_SLAB_NAMES = {SlabMode.MIP: "MIP", SlabMode.MINIP: "MinIP", SlabMode.AVERAGE: "average"}


def crosshair_planes(crosshair: Crosshair) -> list[ImagePlane]:
    """The MPR planes as image planes, for reference lines on the 2D viewports."""
    return [ImagePlane(position=tuple(plane.center), row_direction=tuple(plane.row),
                       column_direction=tuple(plane.column)) for plane in crosshair.planes]


def next_slab(slab: Slab, step: int) -> Slab:
    """The next thicker (step 1) or thinner (-1) slab of the usual series, keeping the mode."""
    thicker = [t for t in SLAB_THICKNESSES_MM if t > slab.thickness_mm]
    thinner = [t for t in SLAB_THICKNESSES_MM if t < slab.thickness_mm]
    if step > 0:
        return Slab(thicker[0] if thicker else slab.thickness_mm, slab.mode)
    return Slab(thinner[-1] if thinner else 0.0, slab.mode)


def next_slab_mode(slab: Slab) -> Slab:
    """MIP -> MinIP -> average -> MIP; a thin slice becomes a 10 mm slab, as nothing would show otherwise."""
    thickness = slab.thickness_mm or 10.0
    if slab.thickness_mm <= 0:
        return Slab(thickness, slab.mode)
    return Slab(thickness, SLAB_MODES[(SLAB_MODES.index(slab.mode) + 1) % len(SLAB_MODES)])


class VolumePanel(QWidget):
    """``ready`` carries the mode shown (MPR or 3D); ``crosshair_moved`` the frame of reference and Crosshair."""

    ready = Signal(str)
    problem = Signal(str)
    crosshair_moved = Signal(str, object)

    def __init__(self, tasks: BackgroundTasks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._volumes: OrderedDict[str, Volume] = OrderedDict()
        self._generation = 0
        self.stack: ImageStack | None = None
        self.mode: str | None = None
        self.view: MprView | VolumeView | None = None
        self.active_plane = AXIAL
        self.message = QLabel()
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setStyleSheet("color: #ddd; background: black")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(self.message)

    @property
    def is_ready(self) -> bool:
        return self.view is not None

    # --- opening ---
    def open(self, stack: ImageStack, mode: str, window: WindowLevel | None = None, plane: str | None = None,
             slab: Slab | None = None, volume_preset: str | None = None) -> None:
        """Show ``stack`` as MPR or 3D (``volume_preset``: the 3D preset's key, else the default); returns at
        once, ``ready`` follows (or ``problem``)."""
        self._generation += 1
        generation = self._generation
        self._drop_view()
        self.stack, self.mode = stack, mode
        self.active_plane = plane or AXIAL
        what = "MPR" if mode == MPR else "3D"
        self.message.setText(f"Building the volume of {stack.display_name or 'the series'} for {what}…")
        self.message.show()
        volume = self._volumes.get(stack.uid)
        if volume is not None:
            self._show(generation, stack, volume, window, slab, volume_preset)
            return
        snapshot = [stack.pixels(i) for i in range(len(stack))]  # taken here: the GUI thread fills the stack
        self._tasks.submit(lambda: build_volume(stack, snapshot),
                           lambda built: self._show(generation, stack, built, window, slab, volume_preset),
                           lambda message: self._failed(generation, message), f"Building the volume for {what}")

    def close_panel(self) -> None:
        self._generation += 1
        self._drop_view()
        self.stack, self.mode = None, None

    def _failed(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        self.message.setText(message)
        self.mode = None
        self.problem.emit(message)

    def _show(self, generation: int, stack: ImageStack, volume: Volume, window: WindowLevel | None,
              slab: Slab | None, volume_preset: str | None = None) -> None:
        if generation != self._generation:
            return
        self._volumes[stack.uid] = volume
        self._volumes.move_to_end(stack.uid)
        while len(self._volumes) > KEPT_VOLUMES:
            self._volumes.popitem(last=False)
        try:
            if self.mode == MPR:
                view = MprView(volume, window_level=(window.width, window.center) if window else None, parent=self)
                widgets = view.widgets.values()
                view.crosshair_changed.connect(self._crosshair_changed)
            else:
                view = VolumeView(volume, parent=self, preset=volume_preset)
                widgets = [view.widget]
        except WorkstationError as error:
            self._failed(generation, str(error))
            return
        for widget in widgets:
            widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys go to the reading view's commands
        self.view = view
        self.message.hide()
        self._layout.addWidget(view, 1)
        view.show()
        if self.mode == MPR:
            if slab is not None:
                view.set_slab(slab)
            self._crosshair_changed(view.crosshair)
        log.info("%s of a %s volume ready", self.mode, "x".join(str(n) for n in volume.voxels.shape))
        self.ready.emit(self.mode)

    def _drop_view(self) -> None:
        if self.view is not None:
            self._layout.removeWidget(self.view)
            self.view.close()
            self.view.deleteLater()
            self.view = None

    def _crosshair_changed(self, crosshair: Crosshair) -> None:
        if self.stack is not None:
            self.crosshair_moved.emit(self.stack.frame_of_reference_uid, crosshair)

    # --- actions (the reading view's commands) ---
    def scroll(self, steps: int) -> None:
        """MPR: the active plane moves ``steps`` slices; 3D: the camera turns about the vertical axis."""
        if isinstance(self.view, MprView):
            self.view.scroll(self.active_plane, steps)
        elif isinstance(self.view, VolumeView):
            self.view.rotate(steps * TURN_STEP_DEGREES)

    def page(self, steps: int) -> None:
        """MPR: ten slices at a time; 3D: the camera tilts (elevation)."""
        if isinstance(self.view, MprView):
            self.view.scroll(self.active_plane, steps * 10)
        elif isinstance(self.view, VolumeView):
            self.view.rotate(0.0, steps * TURN_STEP_DEGREES)

    def next_plane(self, step: int) -> str:
        index = VIEW_NAMES.index(self.active_plane)
        self.active_plane = VIEW_NAMES[(index + step) % len(VIEW_NAMES)]
        return self.active_plane

    def rotate(self, steps: int) -> None:
        """MPR: oblique, the other planes turn about the active plane's normal; 3D: the camera turns."""
        if isinstance(self.view, MprView):
            self.view.rotate(self.active_plane, steps * OBLIQUE_STEP_DEGREES)
        elif isinstance(self.view, VolumeView):
            self.view.rotate(steps * TURN_STEP_DEGREES)

    def zoom(self, factor: float) -> None:
        if isinstance(self.view, MprView):
            self.view.zoom(self.active_plane, factor)
        elif isinstance(self.view, VolumeView):
            self.view.zoom(factor)

    def reset(self) -> None:
        if isinstance(self.view, MprView):
            self.view.reset()
        elif isinstance(self.view, VolumeView):
            self.view.reset_view()

    def set_window(self, window: WindowLevel) -> None:
        if isinstance(self.view, MprView):
            self.view.set_window_level(window.width, window.center)

    def change_slab(self, change) -> str:
        """Apply ``change`` (Slab -> Slab) to the MPR slab; returns a line for the status bar."""
        if not isinstance(self.view, MprView):
            return "Slabs apply to MPR: press M first."
        self.view.set_slab(change(self.view.slab))
        slab = self.view.slab
        if slab.thickness_mm <= 0:
            return "MPR: thin slices"
        return f"MPR slab: {_SLAB_NAMES[slab.mode]} {slab.thickness_mm:g} mm"

    def set_preset(self, number: int) -> str:
        """3D: the n-th rendering preset (bone, soft tissue, angio, MIP...)."""
        if not isinstance(self.view, VolumeView):
            return ""
        keys = list(self.view.presets)
        if not 1 <= number <= len(keys):
            return f"No 3D preset {number}; there are {len(keys)}."
        self.view.set_preset(keys[number - 1])
        return f"3D: {self.view.presets[keys[number - 1]].name}"

    def toggle_clipping_box(self) -> str:
        if not isinstance(self.view, VolumeView):
            return "The clipping box applies to 3D: press V first."
        shown = not self.view.clip_choice.isChecked()
        self.view.show_clipping_box(shown)
        return "3D clipping box shown (drag its handles)" if shown else "3D clipping box off"

    def locate(self, frame_of_reference_uid: str, point) -> bool:
        """A 2D viewport located a point: the MPR crosshair goes there when it is the same patient space."""
        if (isinstance(self.view, MprView) and self.stack is not None and frame_of_reference_uid
                and frame_of_reference_uid == self.stack.frame_of_reference_uid):
            self.view.locate(point)
            return True
        return False
