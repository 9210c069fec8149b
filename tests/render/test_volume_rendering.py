"""3D rendering: each preset draws, bone shows bone where the patient's anatomy is, the clipping box cuts,
the software renderer gets the CPU ray caster, and preset files are validated."""

from __future__ import annotations

import json

import numpy as np
import pytest
from vtkmodules.vtkRenderingVolumeOpenGL2 import vtkSmartVolumeMapper

from workstation.render.capture import grab
from workstation.render.image_data import volume_to_image_data
from workstation.render.opengl_renderer import is_software_renderer, renderer_string
from workstation.render.volume_rendering import STILL_UPDATE_RATE, VolumeRenderingScene
from workstation.render.vr_presets import PresetError, load_presets, read_preset
from workstation.volume.volume import Volume

pytestmark = pytest.mark.gui


@pytest.fixture()
def bone_and_soft_tissue() -> Volume:
    """Air, a 1000 HU bone ball on the patient's right (x < 0) and a 50 HU soft-tissue ball on the left."""
    k, j, i = np.mgrid[0:64, 0:64, 0:64]
    voxels = np.full((64, 64, 64), -1000, dtype=np.int16)
    voxels[(i - 18) ** 2 + (j - 32) ** 2 + (k - 32) ** 2 < 100] = 1000
    voxels[(i - 46) ** 2 + (j - 32) ** 2 + (k - 32) ** 2 < 100] = 50
    affine = np.diag([2.0, 2.0, 2.0, 1.0])
    affine[:3, 3] = -63.0
    return Volume(voxels, affine)


def render(render_window, volume: Volume, preset_key: str, clipping_box=None) -> np.ndarray:
    scene = VolumeRenderingScene(volume_to_image_data(volume), volume, software_renderer=True)
    scene.apply_preset(load_presets()[preset_key])
    scene.set_clipping_box(clipping_box)
    render_window.AddRenderer(scene.renderer)
    scene.reset_camera()
    render_window.SetDesiredUpdateRate(STILL_UPDATE_RATE)
    render_window.Render()
    return grab(render_window).astype(float).mean(axis=2)


def test_bone_preset_shows_bone_on_the_patients_right_seen_from_the_front(render_window, bone_and_soft_tissue):
    image = render(render_window, bone_and_soft_tissue, "bone")
    screen_left, screen_right = image[:, :200], image[:, 200:]
    assert (screen_left > 40).sum() > 500  # the bone ball, drawn on the screen's left (patient's right)
    assert (screen_right > 10).sum() < 20  # soft tissue is transparent in the bone preset


def test_soft_tissue_preset_shows_the_soft_tissue_ball(render_window, bone_and_soft_tissue):
    image = render(render_window, bone_and_soft_tissue, "soft_tissue")
    assert (image[:, 200:] > 20).sum() > 500


def test_clipping_box_cuts_away_what_lies_outside(render_window, bone_and_soft_tissue):
    keep_left_half = (0.0, 70.0, -70.0, 70.0, -70.0, 70.0)  # LPS x >= 0: the patient's left
    image = render(render_window, bone_and_soft_tissue, "bone", clipping_box=keep_left_half)
    assert (image > 10).sum() < 20


@pytest.mark.shared_data
def test_every_preset_renders_the_real_ct(render_window, ct_series):
    volume, _ = ct_series
    presets = load_presets()
    assert set(presets) >= {"bone", "soft_tissue", "angio_ct", "mip"}
    scene = VolumeRenderingScene(volume_to_image_data(volume), volume, software_renderer=True)
    render_window.AddRenderer(scene.renderer)
    scene.reset_camera()
    render_window.SetDesiredUpdateRate(STILL_UPDATE_RATE)
    lit = {}
    for key, preset in presets.items():
        scene.apply_preset(preset)
        render_window.Render()
        lit[key] = (grab(render_window).max(axis=2) > 30).mean()
        assert lit[key] > 0.02, f"{key} renders (almost) nothing"
    assert lit["soft_tissue"] > lit["bone"]  # the body outline covers more screen than the skeleton


def test_software_renderer_is_detected_on_the_test_display(render_window):
    name = renderer_string(render_window)
    assert name  # Xvfb's GLX is Mesa's software rasteriser (llvmpipe or softpipe)
    assert is_software_renderer(name)
    assert not is_software_renderer("NVIDIA GeForce RTX 4070/PCIe/SSE2")
    assert not is_software_renderer("AMD Radeon Pro W6800 (radeonsi, navi21, LLVM 15.0.7)")
    assert is_software_renderer("")


def test_invalid_preset_is_reported_by_name_and_skipped(tmp_path):
    (tmp_path / "good.json").write_text(json.dumps({
        "name": "Good", "blend_mode": "composite",
        "scalar_opacity": [[0, 0.0], [100, 1.0]], "color": [[0, 0, 0, 0], [100, 1, 1, 1]],
    }))
    (tmp_path / "unsorted.json").write_text(json.dumps({
        "name": "Bad", "blend_mode": "composite",
        "scalar_opacity": [[100, 0.0], [0, 1.0]], "color": [[0, 0, 0, 0], [100, 1, 1, 1]],
    }))
    with pytest.raises(PresetError, match="unsorted.json.*increasing order"):
        read_preset(tmp_path / "unsorted.json")
    assert list(load_presets(tmp_path)) == ["good"]


def test_mapper_mode_follows_the_renderer(bone_and_soft_tissue):
    image = volume_to_image_data(bone_and_soft_tissue)
    software = VolumeRenderingScene(image, bone_and_soft_tissue, software_renderer=True)
    hardware = VolumeRenderingScene(image, bone_and_soft_tissue, software_renderer=False)
    assert software.mapper.GetRequestedRenderMode() == vtkSmartVolumeMapper.RayCastRenderMode
    assert hardware.mapper.GetRequestedRenderMode() == vtkSmartVolumeMapper.DefaultRenderMode


@pytest.mark.shared_data
def test_frame_at_rest_after_a_drag_is_full_quality_again(render_window, ct_series):
    """Frames during a drag are coarse; the next frame at rest equals a full-quality frame pixel for pixel."""
    volume, _ = ct_series
    scene = VolumeRenderingScene(volume_to_image_data(volume), volume, software_renderer=True)
    scene.apply_preset(load_presets()["bone"])
    render_window.SetSize(700, 700)
    render_window.AddRenderer(scene.renderer)
    scene.reset_camera()
    render_window.SetDesiredUpdateRate(STILL_UPDATE_RATE)
    render_window.Render()
    full = grab(render_window).astype(int)
    render_window.SetDesiredUpdateRate(100.0)  # 10 ms a frame: no CPU ray caster does 700x700 in that
    camera = scene.renderer.GetActiveCamera()
    for _ in range(4):
        camera.Azimuth(2.0)
        render_window.Render()
    camera.Azimuth(-8.0)
    render_window.Render()
    coarse = grab(render_window).astype(int)
    render_window.SetDesiredUpdateRate(STILL_UPDATE_RATE)
    render_window.Render()
    at_rest = grab(render_window).astype(int)
    assert np.abs(coarse - full).mean() > 0.5  # the drag really was drawn coarser
    assert np.abs(at_rest - full).mean() < 0.05
