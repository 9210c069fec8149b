"""2D stack reading speed: scrolling a 512x512 CT in a 1024x1024 viewport, and window/level latency.

Ours: StackViewport (numpy 16-bit LUT + QPainter) in a real Qt window. Peer, same run, same size:
vtkImageResliceMapper in a VTK render window. Targets (issue 4): scrolling >= 60 frames/s, a W/L change
on screen in < 16 ms. Run under Xvfb: `xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python benchmarks/stack_scroll.py`.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workstation.viewer.image_stack import ImageStack  # noqa: E402
from workstation.viewer.phantoms import phantom_volume  # noqa: E402
from workstation.volume.volume import Volume  # noqa: E402

VIEW_SIZE = 1024
SLICES = 300
FRAMES = 300
VTK_FRAMES = 60  # the peer is slow on a software renderer; fewer frames keep the run short
WINDOW_CHANGES = 100


def noisy_ct() -> Volume:
    """The phantom plus noise, so every slice's LUT lookup and blit do real work."""
    volume = phantom_volume(slices=SLICES, size=512, spacing=(0.7, 0.7, 1.0))
    rng = np.random.default_rng(0)
    noise = rng.integers(-20, 21, size=volume.voxels.shape[1:], dtype=np.int16)
    voxels = volume.voxels
    voxels += noise  # same noise pattern on every slice, added in place
    return volume


def measure_ours(volume: Volume) -> tuple[float, list[float]]:
    from PySide6.QtWidgets import QApplication

    from workstation._qt.reading.stack_viewport import StackViewport
    from workstation.tools.toolbox import Toolbox
    from workstation.viewer.reading_session import ReadingSession

    app = QApplication.instance() or QApplication([])
    session = ReadingSession()
    session.set_display_sets([ImageStack.from_volume(volume, uid="bench")])
    widget = StackViewport(session, 0, Toolbox())
    widget.resize(VIEW_SIZE, VIEW_SIZE)
    widget.show()
    for _ in range(20):
        app.processEvents()
    assert (widget.width(), widget.height()) == (VIEW_SIZE, VIEW_SIZE), "the screen is too small for the viewport"
    viewport = session.active_viewport
    widget.repaint()
    start = time.perf_counter()
    for frame in range(FRAMES):
        session.scroll_active(1 if (frame // (SLICES - 1)) % 2 == 0 else -1)
        widget.repaint()
    scroll_fps = FRAMES / (time.perf_counter() - start)
    latencies = []
    for change in range(WINDOW_CHANGES):
        begin = time.perf_counter()
        viewport.set_window(40 + change, 400 + 3 * change)
        widget.repaint()
        latencies.append((time.perf_counter() - begin) * 1000)
    widget.close()
    widget.deleteLater()
    app.processEvents()
    return scroll_fps, latencies


def measure_vtk(volume: Volume) -> tuple[float, list[float]]:
    from vtkmodules.vtkRenderingCore import vtkRenderWindow

    from plain_vtk import plain_slice_renderer
    from workstation.render.image_data import volume_to_image_data

    renderer = plain_slice_renderer(volume_to_image_data(volume))
    actor = renderer.GetViewProps().GetLastProp()  # the image slice whose window/level the drag changes
    window = vtkRenderWindow()
    window.SetSize(VIEW_SIZE, VIEW_SIZE)
    window.SetOffScreenRendering(1)
    window.AddRenderer(renderer)
    renderer.ResetCamera()
    camera = renderer.GetActiveCamera()
    camera.ParallelProjectionOn()
    renderer.ResetCamera()
    window.Render()
    spacing = volume.spacing[2]
    start = time.perf_counter()
    for frame in range(VTK_FRAMES):
        step = spacing if (frame // (SLICES - 1)) % 2 == 0 else -spacing
        focal = list(camera.GetFocalPoint())
        position = list(camera.GetPosition())
        focal[2] += step
        position[2] += step
        camera.SetFocalPoint(*focal)
        camera.SetPosition(*position)
        window.Render()
    scroll_fps = VTK_FRAMES / (time.perf_counter() - start)
    latencies = []
    for change in range(VTK_FRAMES):
        begin = time.perf_counter()
        actor.GetProperty().SetColorWindow(400 + 3 * change)
        actor.GetProperty().SetColorLevel(40 + change)
        window.Render()
        latencies.append((time.perf_counter() - begin) * 1000)
    window.Finalize()
    return scroll_fps, latencies


def main() -> int:
    volume = noisy_ct()
    ours_fps, ours_latency = measure_ours(volume)
    vtk_fps, vtk_latency = measure_vtk(volume)
    ours_wl, vtk_wl = statistics.median(ours_latency), statistics.median(vtk_latency)
    ours_p95 = sorted(ours_latency)[int(0.95 * len(ours_latency))]
    print(f"2D stack, 512x512 int16 CT, {SLICES} slices, {VIEW_SIZE}x{VIEW_SIZE} viewport")
    print(f"  scrolling      ours {ours_fps:7.1f} frames/s   VTK vtkImageResliceMapper {vtk_fps:7.1f} frames/s   "
          f"ratio ours/VTK {ours_fps / vtk_fps:.2f}   target >= 60: {'met' if ours_fps >= 60 else 'MISSED'}")
    print(f"  W/L update     ours {ours_wl:7.2f} ms (p95 {ours_p95:.2f})   VTK {vtk_wl:7.2f} ms   "
          f"ratio VTK/ours {vtk_wl / ours_wl:.2f}   target < 16 ms: {'met' if ours_p95 < 16 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
