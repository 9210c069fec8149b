"""Volumes for the render tests: a phantom with markers at known LPS points, and the real CT and MR read
with SimpleITK (an independent reader, so the MPR is checked against geometry we did not compute)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

from workstation.volume.volume import Volume

CT_SERIES = Path("ct_volume/pancreatic_ct_cbct_seg_philips_ct/dicom")
SAGITTAL_MR_SERIES = Path("mr_volume/FNNDSC_SAG-anon_siemens_skyra_mprage192")


def sitk_to_volume(image: sitk.Image) -> Volume:
    affine = np.eye(4)
    affine[:3, :3] = np.array(image.GetDirection()).reshape(3, 3) * np.array(image.GetSpacing())
    affine[:3, 3] = image.GetOrigin()
    return Volume(sitk.GetArrayFromImage(image), affine)


def read_series(folder: Path) -> tuple[Volume, sitk.Image]:
    names = sitk.ImageSeriesReader.GetGDCMSeriesFileNames(str(folder))
    image = sitk.ReadImage(names)
    return sitk_to_volume(image), image


@pytest.fixture(scope="session")
def ct_series(shared_dicom: Path) -> tuple[Volume, sitk.Image]:
    return read_series(shared_dicom / CT_SERIES)


@pytest.fixture(scope="session")
def sagittal_mr_series(shared_dicom: Path) -> tuple[Volume, sitk.Image]:
    return read_series(shared_dicom / SAGITTAL_MR_SERIES)


# Marker positions (LPS mm) in the phantom: one towards the patient's left, one anterior, one superior;
# no two share an axial, coronal or sagittal plane, so each reformat through one shows that one alone.
MARKERS = {"left": (30.0, 10.0, -10.0), "anterior": (-10.0, -30.0, 10.0), "superior": (10.0, 20.0, 30.0)}
MARKER_HU = {"left": 3000, "anterior": 2000, "superior": 1000}


@pytest.fixture()
def marker_phantom() -> Volume:
    """Air with three bright 5 mm cubes at ``MARKERS``, on an oblique grid so no voxel axis is an LPS axis."""
    angle = np.radians(20.0)
    rotation = np.array([[np.cos(angle), -np.sin(angle), 0.0], [np.sin(angle), np.cos(angle), 0.0], [0.0, 0.0, 1.0]])
    spacing = np.array([1.0, 1.0, 1.5])
    size = np.array([90, 90, 60])  # i, j, k
    affine = np.eye(4)
    affine[:3, :3] = rotation * spacing
    affine[:3, 3] = -(affine[:3, :3] @ ((size - 1) / 2))  # the volume's centre at the LPS origin
    k, j, i = np.meshgrid(*(np.arange(n) for n in size[::-1]), indexing="ij")
    points = affine[:3, :3] @ np.stack([i.ravel(), j.ravel(), k.ravel()]) + affine[:3, 3:4]
    voxels = np.full(points.shape[1], -1000, dtype=np.int16)
    for name, position in MARKERS.items():
        inside = np.all(np.abs(points - np.array(position)[:, None]) <= 2.5, axis=0)
        voxels[inside] = MARKER_HU[name]
    return Volume(voxels.reshape(k.shape), affine)


@pytest.fixture()
def render_window():
    """An off-screen VTK window on the test display (Xvfb): the same OpenGL the views get."""
    import vtkmodules.vtkRenderingOpenGL2  # noqa: F401
    from vtkmodules.vtkRenderingCore import vtkRenderWindow

    window = vtkRenderWindow()
    window.SetOffScreenRendering(1)
    window.SetSize(400, 300)
    yield window
    window.Finalize()
