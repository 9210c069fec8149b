"""MPR views on screen (grabbed pixels): markers on the right side, letters, lines, and click-to-locate."""

from __future__ import annotations

import numpy as np
import pytest
from tests.render.mpr_phantoms import MARKER_HU, MARKERS

from workstation.render.capture import grab
from workstation.render.image_data import volume_to_image_data
from workstation.render.mpr_scene import MprViewScene, default_window_level
from workstation.volume.mpr import AXIAL, CORONAL, SAGITTAL, VIEW_NAMES, Crosshair, Slab, SlabMode

pytestmark = pytest.mark.gui

EXPECTED_LETTERS = {
    AXIAL: {"left": "R", "right": "L", "top": "A", "bottom": "P"},
    CORONAL: {"left": "R", "right": "L", "top": "S", "bottom": "I"},
    SAGITTAL: {"left": "A", "right": "P", "top": "S", "bottom": "I"},
}
WINDOW_LEVEL = (3000.0, 1500.0)  # 0 HU black, 3000 HU white: markers grey 1000 -> 85, 2000 -> 170, 3000 -> 255


def grey_pixels(rgb: np.ndarray, level: int) -> np.ndarray:
    """(row, column) of grey pixels near ``level`` (the image; lines and letters are coloured)."""
    r, g, b = (rgb[..., c].astype(int) for c in range(3))
    grey = (abs(r - g) < 4) & (abs(g - b) < 4)
    return np.argwhere(grey & (abs(r - level) < 12))


def show(render_window, volume, name: str, crosshair: Crosshair, slab: Slab = Slab()):
    """The view ``name`` of ``crosshair`` fitted in the window: (scene, grabbed RGB)."""
    scene = MprViewScene(name, volume_to_image_data(volume), volume, WINDOW_LEVEL)
    render_window.AddRenderer(scene.renderer)
    scene.show(crosshair, slab)
    scene.fit()
    render_window.Render()
    return scene, grab(render_window)


@pytest.mark.parametrize("name", VIEW_NAMES)
def test_orientation_letters_per_view(render_window, marker_phantom, name: str):
    scene, rgb = show(render_window, marker_phantom, name, Crosshair.standard(np.zeros(3)))
    assert scene.letters == EXPECTED_LETTERS[name]
    yellow = (rgb[..., 0] > 200) & (rgb[..., 1] > 200) & (rgb[..., 2] < 190)
    height, width = yellow.shape
    # Each letter is drawn: yellow text near the middle of each edge.
    assert yellow[height // 3 : 2 * height // 3, :20].any() and yellow[height // 3 : 2 * height // 3, -20:].any()
    assert yellow[:25, width // 3 : 2 * width // 3].any() and yellow[-25:, width // 3 : 2 * width // 3].any()


@pytest.mark.parametrize(
    ("name", "marker", "axis", "side"),
    [
        (AXIAL, "anterior", 0, "low"),  # anterior at the top of the axial
        (AXIAL, "left", 1, "high"),  # patient's left on the screen's right
        (CORONAL, "superior", 0, "low"),
        (CORONAL, "left", 1, "high"),
        (SAGITTAL, "anterior", 1, "low"),  # anterior on the left of the sagittal
        (SAGITTAL, "superior", 0, "low"),
    ],
)
def test_marker_appears_on_the_expected_screen_side(render_window, marker_phantom, name, marker, axis, side):
    _, rgb = show(render_window, marker_phantom, name, Crosshair.standard(np.array(MARKERS[marker])))
    level = round(255 * MARKER_HU[marker] / 3000)
    found = grey_pixels(rgb, level)
    assert len(found) > 10, "marker not on screen"
    where = found[:, axis].mean() / rgb.shape[axis]
    assert where < 0.45 if side == "low" else where > 0.55


def test_click_locates_the_marker_in_patient_space(render_window, marker_phantom):
    position = np.array(MARKERS["left"])
    scene, rgb = show(render_window, marker_phantom, CORONAL, Crosshair.standard(position))
    row, column = grey_pixels(rgb, 255).mean(axis=0)
    height = rgb.shape[0]
    located = scene.display_to_patient(column, height - 1 - row)  # VTK display y runs upwards
    np.testing.assert_allclose(located, position, atol=1.5)


def test_reference_lines_cross_at_the_crosshair(render_window, marker_phantom):
    position = np.array(MARKERS["superior"])
    _, rgb = show(render_window, marker_phantom, AXIAL, Crosshair.standard(position))
    marker_row, marker_column = grey_pixels(rgb, 85).mean(axis=0)
    r, g, b = (rgb[..., c].astype(int) for c in range(3))
    coronal_line = np.argwhere((g > 200) & (r < 120))  # green: the coronal plane, horizontal on the axial
    sagittal_line = np.argwhere((r > 200) & (g > 200) & (b < 120) & (np.arange(rgb.shape[0])[:, None] > 30))
    assert abs(np.median(coronal_line[:, 0]) - marker_row) < 3
    assert abs(np.median(sagittal_line[:, 1]) - marker_column) < 3


def test_slab_caption_and_thicker_mip(render_window, marker_phantom):
    # A plane 6 mm above the superior marker's centre misses it; a 14 mm MIP slab around that plane shows it.
    crosshair = Crosshair.standard(np.array(MARKERS["superior"]) + [0.0, 0.0, 6.0])
    scene, thin = show(render_window, marker_phantom, AXIAL, crosshair)
    assert len(grey_pixels(thin, 85)) == 0
    scene.show(crosshair, Slab(14.0, SlabMode.MIP))
    render_window.Render()
    assert len(grey_pixels(grab(render_window), 85)) > 10
    assert scene.caption == "Axial  MIP 14 mm"


def test_default_window_covers_the_data():
    voxels = np.linspace(-1000, 1000, 64 * 64 * 64).reshape(64, 64, 64)
    window, level = default_window_level(voxels)
    assert 1800 < window < 2000 and abs(level) < 50
