"""``workstation open`` on files or an archived study, with --layout, --mpr and --screenshot (a real process)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtGui import QImage

from workstation.archive import Archive
from workstation.settings.home import archive_folder

pytestmark = pytest.mark.gui
CT_FOLDER = "ct_volume/pancreatic_ct_cbct_seg_philips_ct/dicom"


def _workstation(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workstation", *args], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ))


def _pixels(path) -> np.ndarray:
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB888)
    buffer = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return buffer[:, : 3 * image.width()].reshape(image.height(), image.width(), 3).copy()  # image dies here


@pytest.mark.shared_data
def test_open_files_with_mpr_saves_a_screenshot_with_the_reformats_drawn(qapp, shared_dicom, tmp_path):
    shot = tmp_path / "mpr.png"
    result = _workstation("open", str(shared_dicom / CT_FOLDER), "--mpr", "--screenshot", str(shot))
    assert result.returncode == 0, result.stderr
    pixels = _pixels(shot)
    height, width = pixels.shape[:2]
    lower_right = pixels[height * 2 // 3: height - 40, width // 3:]  # the coronal and sagittal views
    grey = lower_right.max(axis=2)
    assert (grey > 100).mean() > 0.05 and (grey < 20).mean() > 0.2  # anatomy on black, not a blank GL area


def test_open_study_from_the_archive_in_a_layout(qapp, workstation_home, demo_archive_template, tmp_path):
    shutil.copytree(demo_archive_template, archive_folder())
    with Archive(archive_folder()) as archive:
        study = max((s for s in archive.studies() if s.study_description.startswith("CT")), key=lambda s: s.study_date)
    shot = tmp_path / "study.png"
    result = _workstation("open", "--study", study.study_instance_uid, "--layout", "2x2", "--screenshot", str(shot))
    assert result.returncode == 0, result.stderr
    pixels = _pixels(shot).max(axis=2)
    height, width = pixels.shape
    quarters = [pixels[r: r + height // 3, c: c + width // 3]
                for r in (height // 8, height // 2 + 10) for c in (width // 4, width * 2 // 3)]
    assert sum(quarter.std() > 20 for quarter in quarters) >= 2  # several viewports show images


def test_open_study_hung_by_its_protocol_with_mpr(qapp, workstation_home, demo_archive_template, tmp_path):
    """The protocol's layout arrives from a worker after the images: --mpr must survive it."""
    shutil.copytree(demo_archive_template, archive_folder())
    with Archive(archive_folder()) as archive:
        study = max((s for s in archive.studies() if s.study_description.startswith("CT")), key=lambda s: s.study_date)
    shot = tmp_path / "hung_mpr.png"
    result = _workstation("open", "--study", study.study_instance_uid, "--mpr", "--screenshot", str(shot))
    assert result.returncode == 0, result.stderr
    pixels = _pixels(shot)
    height, width = pixels.shape[:2]
    grey = pixels[height * 2 // 3: height - 40, width // 3:].max(axis=2)  # the coronal and sagittal views
    assert (grey > 100).mean() > 0.05 and (grey < 20).mean() > 0.05


def test_bad_layout_and_unknown_study_are_usage_messages(workstation_home):
    result = _workstation("open", "/nonexistent-folder", "--layout", "7x7")
    assert result.returncode != 0 and "Unknown layout" in result.stderr and "Traceback" not in result.stderr
    result = _workstation("open", "--study", "1.2.3.4", "--screenshot", "/tmp/never.png")
    assert result.returncode != 0 and "1.2.3.4" in result.stderr and "Traceback" not in result.stderr
