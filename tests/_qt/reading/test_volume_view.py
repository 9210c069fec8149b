"""The 3D widget under Xvfb: presets draw, bone shows where it is, the clipping box cuts, the software
renderer gets the CPU ray caster, and dragging renders coarse frames then a full-quality one."""

from __future__ import annotations

import numpy as np
import pytest
from vtkmodules.vtkRenderingVolumeOpenGL2 import vtkSmartVolumeMapper

from workstation._qt.reading.volume_view import VolumeView
from workstation.render.volume_rendering import INTERACTIVE_UPDATE_RATE, STILL_UPDATE_RATE
from workstation.volume.volume import Volume

pytestmark = pytest.mark.gui


@pytest.fixture()
def phantom() -> Volume:
    """A 1000 HU bone ball on the patient's right (LPS x < 0) and a 100 HU organ-like ball on the left,
    inside a 40 HU soft-tissue box."""
    k, j, i = np.mgrid[0:48, 0:48, 0:48]
    voxels = np.full((48, 48, 48), -1000, dtype=np.int16)
    voxels[8:40, 8:40, 6:42] = 40
    voxels[(i - 14) ** 2 + (j - 24) ** 2 + (k - 24) ** 2 < 49] = 1000
    voxels[(i - 34) ** 2 + (j - 24) ** 2 + (k - 24) ** 2 < 49] = 100
    affine = np.diag([2.5, 2.5, 2.5, 1.0])
    affine[:3, 3] = -58.75
    return Volume(voxels, affine)


@pytest.fixture()
def volume_view(qtbot, phantom) -> VolumeView:
    view = VolumeView(phantom)
    qtbot.addWidget(view)
    view.resize(420, 440)
    view.show()
    qtbot.waitExposed(view)
    view.render_full_quality()
    return view


def lit(rgb: np.ndarray, threshold: int = 30) -> np.ndarray:
    return rgb.max(axis=2) > threshold


def test_software_renderer_gets_the_cpu_ray_caster(volume_view):
    assert volume_view.scene.software_renderer
    assert volume_view.scene.mapper.GetRequestedRenderMode() == vtkSmartVolumeMapper.RayCastRenderMode


def test_every_preset_draws_and_bone_shows_on_the_patients_right(volume_view):
    coverage = {}
    for key in volume_view.presets:
        volume_view.set_preset(key)
        image = lit(volume_view.grab_image())
        coverage[key] = image.mean()
        assert coverage[key] > 0.01, f"preset {key} draws nothing"
    volume_view.set_preset("bone")
    image = lit(volume_view.grab_image())
    half = image.shape[1] // 2
    assert image[:, :half].sum() > 5 * max(image[:, half:].sum(), 1)  # bone ball only, seen from the front
    assert coverage["soft_tissue"] > 2 * coverage["bone"]  # the soft-tissue box shows too


def test_clipping_box_cuts_and_box_handles_start_on_the_whole_volume(volume_view):
    volume_view.set_preset("bone")
    x_min, x_max, y_min, y_max, z_min, z_max = volume_view.scene.patient_bounds()
    volume_view.set_clipping_box((0.0, x_max, y_min, y_max, z_min, z_max))  # keep the patient's left half
    assert lit(volume_view.grab_image()).sum() < 20
    volume_view.set_clipping_box(None)
    volume_view.clip_choice.setChecked(True)
    assert volume_view.scene.clipping_box is not None
    assert lit(volume_view.grab_image()).sum() > 500


def test_drag_renders_at_interactive_rate_then_full_quality_when_the_mouse_stops(qtbot, volume_view):
    rates: list[float] = []
    window = volume_view.render_window
    window.AddObserver("StartEvent", lambda *_: rates.append(window.GetDesiredUpdateRate()))
    interactor = volume_view.interactor
    interactor.SetEventInformation(200, 200)
    interactor.InvokeEvent("LeftButtonPressEvent")
    for step in range(1, 6):
        interactor.SetEventInformation(200 + 10 * step, 200)
        interactor.InvokeEvent("MouseMoveEvent")
    assert rates and all(rate == INTERACTIVE_UPDATE_RATE for rate in rates)
    rates.clear()
    qtbot.waitUntil(lambda: STILL_UPDATE_RATE in rates, timeout=3000)  # mouse stopped, button still down
    interactor.SetEventInformation(260, 200)
    interactor.InvokeEvent("MouseMoveEvent")
    assert rates[-1] == INTERACTIVE_UPDATE_RATE  # the drag goes on coarse
    interactor.InvokeEvent("LeftButtonReleaseEvent")
    assert rates[-1] == STILL_UPDATE_RATE


def test_opening_draws_a_coarse_first_frame_then_a_full_quality_one_by_itself(qtbot, phantom):
    view = VolumeView(phantom)
    qtbot.addWidget(view)
    rates: list[float] = []
    window = view.render_window
    window.AddObserver("StartEvent", lambda *_: rates.append(window.GetDesiredUpdateRate()))
    view.resize(420, 440)
    view.show()
    qtbot.waitUntil(lambda: bool(rates), timeout=5000)
    assert rates[0] == INTERACTIVE_UPDATE_RATE  # the first frame does not wait for full quality
    qtbot.waitUntil(lambda: STILL_UPDATE_RATE in rates, timeout=5000)  # nobody asked: the timer did
    assert view.first_frame_done and window.GetDesiredUpdateRate() == STILL_UPDATE_RATE
    assert lit(view.grab_image()).mean() > 0.01


def test_the_view_opens_with_the_preset_asked_for_and_the_default_for_an_unknown_one(qtbot, phantom):
    views = [VolumeView(phantom, preset="soft_tissue"), VolumeView(phantom, preset="no such preset")]
    for view in views:
        qtbot.addWidget(view)
    assert views[0].scene.preset is views[0].presets["soft_tissue"]
    assert views[0].preset_choice.currentData() == "soft_tissue"
    assert views[1].scene.preset is views[1].presets["bone"]
