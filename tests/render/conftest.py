"""Fixtures of the render tests: the marker phantom, the real CT and sagittal MR, an off-screen VTK window."""

from __future__ import annotations

from pathlib import Path

import pytest
import SimpleITK as sitk

from tests.render import mpr_phantoms
from workstation.volume.volume import Volume


@pytest.fixture(scope="session")
def ct_series(shared_dicom: Path) -> tuple[Volume, sitk.Image]:
    return mpr_phantoms.read_series(shared_dicom / mpr_phantoms.CT_SERIES)


@pytest.fixture(scope="session")
def sagittal_mr_series(shared_dicom: Path) -> tuple[Volume, sitk.Image]:
    return mpr_phantoms.read_series(shared_dicom / mpr_phantoms.SAGITTAL_MR_SERIES)


@pytest.fixture()
def marker_phantom() -> Volume:
    return mpr_phantoms.marker_phantom()


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
