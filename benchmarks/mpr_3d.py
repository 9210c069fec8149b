"""MPR and 3D speed on a synthetic 512x512x300 CT, in Qt windows under Xvfb (software OpenGL), against a
plain VTK setup measured in the same run: vtkImageResliceMapper views for MPR, a default
vtkSmartVolumeMapper for 3D.

Figures: time until the three MPR views are on screen (target < 1.5 s), from the volume in memory and
from the 300 DICOM files (header reading and volume assembly included), MPR re-render rate while
scrolling (all three views redrawn per step), 3D opening (coarse first frame, then full quality from a
timer, and the longest the GUI thread is held meanwhile), 3D frames/s while dragging at reduced quality
(target >= 10) and the time of a full-quality 3D frame.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QApplication, QHBoxLayout, QWidget
from vtkmodules.qt.QVTKRenderWindowInteractor import QVTKRenderWindowInteractor
from vtkmodules.vtkRenderingCore import (
    vtkColorTransferFunction,
    vtkRenderer,
    vtkRenderWindow,
    vtkVolume,
    vtkVolumeProperty,
)
from vtkmodules.vtkCommonDataModel import vtkPiecewiseFunction
from vtkmodules.vtkRenderingVolumeOpenGL2 import vtkSmartVolumeMapper

from plain_vtk import plain_slice_renderer
from first_image import write_ct  # the 300-slice 512x512 CT files of the first-image benchmark
from workstation._qt.reading.mpr_view import MprView
from workstation.dicom.displaysets import display_sets
from workstation.dicom.model import read_patients
from workstation.volume.assembly import assemble_volume
from workstation._qt.reading.volume_view import VolumeView
from workstation.render.image_data import volume_to_image_data
from workstation.render.vr_presets import load_presets
from workstation.volume.mpr import AXIAL, VIEW_NAMES, STANDARD_ORIENTATIONS
from workstation.volume.volume import Volume

VIEW_SIZE = 500  # pixels, each MPR view
VOLUME_VIEW_SIZE = 800  # pixels, the 3D view (large enough that a full-quality frame misses 1/15 s)
SCROLL_STEPS = 60
DRAG_STEPS = 30


def synthetic_ct() -> Volume:
    """Body ellipse of soft tissue with fat rim, lungs, spine, aorta with contrast: HU, 0.7 x 0.7 x 1 mm."""
    j, i = np.ogrid[0:512, 0:512]
    x, y = (i - 256) / 256.0, (j - 256) / 256.0
    slab = np.full((512, 512), -1000, dtype=np.int16)
    slab[(x / 0.85) ** 2 + (y / 0.6) ** 2 < 1] = -100
    slab[(x / 0.8) ** 2 + (y / 0.55) ** 2 < 1] = 40
    slab[((np.abs(x) - 0.4) / 0.28) ** 2 + (y / 0.38) ** 2 < 1] = -850
    slab[(x / 0.09) ** 2 + ((y - 0.35) / 0.09) ** 2 < 1] = 700
    slab[(x / 0.05) ** 2 + ((y - 0.2) / 0.05) ** 2 < 1] = 300
    voxels = np.broadcast_to(slab, (300, 512, 512)).copy()
    spine = slab == 700
    for k in range(0, 300, 40):  # intervertebral discs
        voxels[k : k + 4][:, spine] = 80
    affine = np.diag([0.7, 0.7, 1.0, 1.0])
    affine[:3, 3] = (-179.0, -179.0, -150.0)
    return Volume(voxels, affine)


def bench_mpr_ours(app: QApplication, volume: Volume) -> tuple[float, float]:
    start = time.perf_counter()
    view = MprView(volume, window_level=(400.0, 40.0))
    view.resize(3 * VIEW_SIZE, VIEW_SIZE + 30)
    view.show()
    app.processEvents()
    view.render()
    ready = time.perf_counter() - start
    start = time.perf_counter()
    for step in range(SCROLL_STEPS):
        view.scroll(AXIAL, 1 if step < SCROLL_STEPS // 2 else -1)
    fps = SCROLL_STEPS / (time.perf_counter() - start)
    view.close()
    return ready, fps


def bench_mpr_from_files(app: QApplication, folder: Path) -> float:
    """Open command to three MPR views on screen: headers, display set, volume assembly, views."""
    start = time.perf_counter()
    patients, errors = read_patients([folder])
    assert not errors, errors
    (series,) = patients[0].all_series()
    volume = assemble_volume(display_sets(series)[0])
    view = MprView(volume, window_level=(400.0, 40.0))
    view.resize(3 * VIEW_SIZE, VIEW_SIZE + 30)
    view.show()
    app.processEvents()
    view.render()
    ready = time.perf_counter() - start
    view.close()
    return ready


def bench_mpr_plain(app: QApplication, volume: Volume) -> tuple[float, float]:
    """Three Qt VTK widgets, each a vtkImageResliceMapper slicing at its camera's focal point (the usual
    VTK recipe, no crosshair or letters); scrolling redraws the axial view only, as nothing else changes."""
    start = time.perf_counter()
    image = volume_to_image_data(volume)
    container = QWidget()
    layout = QHBoxLayout(container)
    center = np.array(image.GetCenter())
    widgets, cameras = [], []
    for name in VIEW_NAMES:
        row, column = (np.array(v) for v in STANDARD_ORIENTATIONS[name])
        renderer = plain_slice_renderer(image)
        camera = renderer.GetActiveCamera()
        camera.ParallelProjectionOn()
        normal = np.cross(row, column)
        camera.SetFocalPoint(*center)
        camera.SetPosition(*(center - 500 * normal))
        camera.SetViewUp(*(-column))
        renderer.ResetCamera()
        widget = QVTKRenderWindowInteractor(container)
        widget.GetRenderWindow().AddRenderer(renderer)
        layout.addWidget(widget)
        widgets.append(widget)
        cameras.append((camera, normal))
    container.resize(3 * VIEW_SIZE, VIEW_SIZE)
    container.show()
    app.processEvents()
    for widget in widgets:
        widget.GetRenderWindow().Render()
    ready = time.perf_counter() - start
    (camera, normal), window = cameras[0], widgets[0].GetRenderWindow()
    start = time.perf_counter()
    for step in range(SCROLL_STEPS):
        shift = (1 if step < SCROLL_STEPS // 2 else -1) * 0.7 * normal
        camera.SetFocalPoint(*(np.array(camera.GetFocalPoint()) + shift))
        camera.SetPosition(*(np.array(camera.GetPosition()) + shift))
        window.Render()
    fps = SCROLL_STEPS / (time.perf_counter() - start)
    for widget in widgets:
        widget.Finalize()
    container.close()
    return ready, fps


def bench_3d_ours(app: QApplication, volume: Volume) -> tuple[float, float, float, float, float, bool]:
    """Opening: the coarse first frame on screen, then the full-quality one (from the view's own timer), and
    the longest the GUI thread was held by one step (building the view or one frame)."""
    renders: list[tuple[float, float]] = []  # (start, end) of each frame
    start = time.perf_counter()
    view = VolumeView(volume)
    built = time.perf_counter()
    window = view.render_window
    window.AddObserver("StartEvent", lambda *_: renders.append((time.perf_counter(), 0.0)))
    window.AddObserver("EndEvent", lambda *_: renders.__setitem__(-1, (renders[-1][0], time.perf_counter())))
    view.resize(VOLUME_VIEW_SIZE, VOLUME_VIEW_SIZE + 30)
    view.show()
    while not view.first_frame_done:
        app.processEvents()
    coarse = renders[0][1] - start
    while len(renders) < 2 or not renders[-1][1]:  # the full-quality frame comes from a timer
        app.processEvents()
    full_quality = renders[-1][1] - start
    longest_block = max(built - start, *(end - begin for begin, end in renders))
    interactor = view.interactor
    center = VOLUME_VIEW_SIZE // 2
    interactor.SetEventInformation(center, center)
    interactor.InvokeEvent("LeftButtonPressEvent")
    frame_times = []
    for step in range(1, DRAG_STEPS + 1):
        interactor.SetEventInformation(center + 4 * step, center + step)
        begin = time.perf_counter()
        interactor.InvokeEvent("MouseMoveEvent")
        frame_times.append(time.perf_counter() - begin)
    interactor.InvokeEvent("LeftButtonReleaseEvent")
    # Interactive frames: skip the first few, while the ray caster learns how long a frame takes.
    interactive_fps = 1.0 / statistics.mean(frame_times[5:])
    full = []
    for _ in range(3):
        view.rotate(5.0)
        begin = time.perf_counter()
        view.render_full_quality()
        full.append(time.perf_counter() - begin)
    cpu = view.scene.software_renderer
    view.close()
    return coarse, full_quality, longest_block, interactive_fps, statistics.median(full), cpu


def bench_3d_plain(volume: Volume) -> tuple[float, float]:
    """A default vtkSmartVolumeMapper (it picks GPU ray casting) with the same bone transfer functions."""
    preset = load_presets()["bone"]
    start = time.perf_counter()
    mapper = vtkSmartVolumeMapper()
    mapper.SetInputData(volume_to_image_data(volume))
    prop = vtkVolumeProperty()
    opacity, color = vtkPiecewiseFunction(), vtkColorTransferFunction()
    for value, alpha in preset.scalar_opacity:
        opacity.AddPoint(value, alpha)
    for value, red, green, blue in preset.color:
        color.AddRGBPoint(value, red, green, blue)
    prop.SetScalarOpacity(opacity)
    prop.SetColor(color)
    prop.ShadeOn()
    prop.SetInterpolationTypeToLinear()
    actor = vtkVolume()
    actor.SetMapper(mapper)
    actor.SetProperty(prop)
    renderer = vtkRenderer()
    renderer.AddVolume(actor)
    window = vtkRenderWindow()
    window.SetSize(VOLUME_VIEW_SIZE, VOLUME_VIEW_SIZE)
    window.AddRenderer(renderer)
    renderer.ResetCamera()
    window.Render()
    first = time.perf_counter() - start
    frames = []
    for _ in range(3):
        renderer.GetActiveCamera().Azimuth(5)
        begin = time.perf_counter()
        window.Render()
        frames.append(time.perf_counter() - begin)
    window.Finalize()
    return first, statistics.median(frames)


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    start = time.perf_counter()
    volume = synthetic_ct()
    print(f"synthetic CT 512x512x300 int16 built in {time.perf_counter() - start:.2f} s")

    ready, scroll_fps = bench_mpr_ours(app, volume)
    plain_ready, plain_scroll_fps = bench_mpr_plain(app, volume)
    print(f"MPR: three views ready in {ready:.2f} s (target < 1.5 s); "
          f"plain vtkImageResliceMapper {plain_ready:.2f} s; ratio plain/ours {plain_ready / ready:.2f}")
    print(f"MPR: scrolling {scroll_fps:.1f} steps/s, three {VIEW_SIZE}x{VIEW_SIZE} views redrawn per step "
          f"(crosshair lines move on the other two); plain vtkImageResliceMapper {plain_scroll_fps:.1f} steps/s "
          f"redrawing one view; ratio ours/plain {scroll_fps / plain_scroll_fps:.2f}")

    with tempfile.TemporaryDirectory() as folder:
        write_ct(Path(folder))
        bench_mpr_from_files(app, Path(folder))  # warms the page cache and the imports
        from_files = min(bench_mpr_from_files(app, Path(folder)) for _ in range(2))
    print(f"MPR: 300 CT files (512x512) to three views on screen in {from_files:.2f} s (target < 1.5 s)")

    coarse, full_quality, longest_block, interactive_fps, full, cpu = bench_3d_ours(app, volume)
    plain_first, plain_frame = bench_3d_plain(volume)
    print(f"3D ({'CPU' if cpu else 'GPU'} ray casting chosen): opening shows a coarse first frame after "
          f"{coarse:.2f} s, full quality after {full_quality:.2f} s; the GUI is held at most {longest_block:.2f} s "
          f"at a time; {interactive_fps:.1f} frames/s while dragging at reduced quality (target >= 10); "
          f"full-quality frame {full:.2f} s")
    print(f"3D: default vtkSmartVolumeMapper first frame {plain_first:.2f} s (ratio plain/our coarse first frame "
          f"{plain_first / coarse:.2f}), {plain_frame:.2f} s per frame "
          f"({1 / plain_frame:.2f} frames/s); ratio of interactive frame rates ours/plain "
          f"{interactive_fps * plain_frame:.1f}, of full-quality frame times plain/ours {plain_frame / full:.1f}")
    ok = ready < 1.5 and from_files < 1.5 and interactive_fps >= 10
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
