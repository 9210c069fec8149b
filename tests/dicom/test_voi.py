"""VOI: the window functions of PS3.3 C.11.2.1 checked against values worked out by hand, and header presets."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from workstation.dicom.reading import read_dataset
from workstation.dicom.voi import WindowLevel, apply_window, default_window, header_window_presets, voi_lut_function

DATA = "mixed/pydicom-data"


def _window(values, center, width, function):
    return apply_window(np.asarray(values, dtype=np.float64), WindowLevel(center, width), function).tolist()


def test_linear_follows_c_11_2_1_2():
    """c=50, w=11: black at x <= 44.5, white above 54.5, ((x - 49.5) / 10 + 0.5) * 255 between."""
    assert _window([44, 44.5, 45, 49.5, 54, 54.5, 55], 50, 11, "LINEAR") == pytest.approx([0, 0, 12.75, 127.5, 242.25, 255, 255])


def test_linear_exact_follows_c_11_2_1_3_2():
    """c=50, w=10: black at x <= 45, white above 55, ((x - 50) / 10 + 0.5) * 255 between."""
    assert _window([45, 47.5, 50, 52.5, 55, 55.01], 50, 10, "LINEAR_EXACT") == pytest.approx([0, 63.75, 127.5, 191.25, 255, 255])


def test_sigmoid_follows_c_11_2_1_3_1():
    """c=50, w=20: 255 / (1 + exp(-4 (x - 50) / 20))."""
    result = _window([40, 50, 55], 50, 20, "SIGMOID")
    assert result[1] == 127.5
    assert result[0] == pytest.approx(255 / (1 + math.exp(2)))  # 30.38...
    assert result[2] == pytest.approx(255 / (1 + math.exp(-1)))  # 186.42...


def test_linear_width_one_is_a_threshold():
    """w=1 (the smallest LINEAR allows): x <= c - 0.5 is black, everything above white."""
    assert _window([99, 99.5, 100, 101], 100, 1, "LINEAR") == [0, 0, 255, 255]


def test_several_named_presets_in_the_header(grey_dataset):
    dataset = grey_dataset(np.zeros((2, 2), np.int16))
    dataset.WindowCenter = [40, 400]
    dataset.WindowWidth = [400, 2000]
    dataset.WindowCenterWidthExplanation = ["SOFT TISSUE", "BONE"]
    assert header_window_presets(dataset) == [WindowLevel(40, 400, "SOFT TISSUE"), WindowLevel(400, 2000, "BONE")]


def test_preset_without_explanation_or_with_zero_width(grey_dataset):
    dataset = grey_dataset(np.zeros((2, 2), np.int16))
    dataset.WindowCenter = [40, 50]
    dataset.WindowWidth = [0, 100]
    assert header_window_presets(dataset) == [WindowLevel(50, 100, "")]


@pytest.mark.shared_data
def test_siemens_mr_presets_keep_their_names(shared_dicom):
    dataset = read_dataset(shared_dicom / DATA / "MR-SIEMENS-DICOM-WithOverlays.dcm", header_only=True)
    assert header_window_presets(dataset) == [WindowLevel(450, 790, "WINDOW1"), WindowLevel(200, 443, "WINDOW2")]


@pytest.mark.shared_data
def test_enhanced_ct_window_comes_from_the_frame_voi_lut(shared_dicom):
    dataset = read_dataset(shared_dicom / DATA / "eCT_Supplemental.dcm", header_only=True)
    assert header_window_presets(dataset, 1) == [WindowLevel(49, 102, "")]


def test_frame_voi_lut_function_comes_from_the_frame(grey_dataset):
    dataset = grey_dataset(np.zeros((2, 2, 2), np.int16))
    voi = Dataset()
    voi.WindowCenter, voi.WindowWidth, voi.VOILUTFunction = 10, 20, "SIGMOID"
    group = Dataset()
    group.FrameVOILUTSequence = Sequence([voi])
    dataset.PerFrameFunctionalGroupsSequence = Sequence([Dataset(), group])
    assert voi_lut_function(dataset, 1) == "SIGMOID"
    assert voi_lut_function(dataset, 0) == "LINEAR"
    assert header_window_presets(dataset, 1) == [WindowLevel(10, 20, "")]


def test_unknown_voi_lut_function_falls_back_to_linear(grey_dataset):
    assert voi_lut_function(grey_dataset(np.zeros((2, 2), np.int16), VOILUTFunction="GAMMA")) == "LINEAR"


def test_default_window_prefers_the_header(grey_dataset):
    dataset = grey_dataset(np.zeros((2, 2), np.int16), WindowCenter=40, WindowWidth=400)
    assert default_window(dataset, np.arange(5000)) == WindowLevel(40, 400, "")


def test_default_window_spans_the_bulk_of_integer_values(grey_dataset):
    values = np.arange(0, 1001)
    window = default_window(grey_dataset(np.zeros((2, 2), np.int16)), values)
    display = apply_window(np.array([0.0, 5, 500, 995, 1000]), window, "LINEAR")
    assert display[0] == 0 and display[1] == 0
    assert display[2] == pytest.approx(127.5, abs=1)
    assert display[3] == 255 and display[4] == 255


def test_default_window_of_small_float_values(grey_dataset):
    values = np.linspace(0.0, 0.9, 1000, dtype=np.float32)
    window = default_window(grey_dataset(np.zeros((2, 2), np.int16)), values)
    assert 0.0 < window.center < 0.9 and 0.8 < window.width < 0.9
