"""The whole grey pipeline (modality -> VOI -> presentation -> 8 bits) and colour to RGB, on synthetic and real images."""

from __future__ import annotations

import numpy as np
import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from workstation.dicom.display import display_grey, render_display_image
from workstation.dicom.pixels import decode_frame
from workstation.dicom.reading import read_dataset
from workstation.dicom.voi import WindowLevel

DATA = "mixed/pydicom-data"


def test_ct_window_by_hand(grey_dataset):
    """Stored 0..4 with intercept -1024 -> HU -1024..-1020; LINEAR c=-1022 w=3: black <= -1024, white > -1021."""
    stored = np.array([[0, 1, 2, 3, 4]], np.uint16)
    dataset = grey_dataset(stored, RescaleSlope=1, RescaleIntercept=-1024)
    display = render_display_image(dataset, window=WindowLevel(-1022, 3))
    # ((x + 1022.5) / 2 + 0.5) * 255 for x = -1023, -1022 -> 63.75, 191.25 -> rounded
    assert display.tolist() == [[0, 64, 191, 255, 255]]
    assert display.dtype == np.uint8


def test_lookup_table_path_equals_direct_computation(grey_dataset):
    """Windowing through the table built over the stored range gives what the formula gives pixel by pixel."""
    rng = np.random.default_rng(7)
    stored = rng.integers(-2000, 3000, size=(64, 64), dtype=np.int16)
    dataset = grey_dataset(stored, RescaleSlope="0.5", RescaleIntercept="-10", VOILUTFunction="SIGMOID")
    window = WindowLevel(100, 700)
    by_table = display_grey(dataset, stored, window=window)
    values = stored.astype(np.float64) * 0.5 - 10
    direct = np.rint(255 / (1 + np.exp(-4 * (values - 100) / 700))).astype(np.uint8)
    assert np.array_equal(by_table, direct)


def test_monochrome1_is_inverted(grey_dataset):
    stored = np.array([[0, 50, 100]], np.uint8)
    window = WindowLevel(50.5, 101)
    plain = render_display_image(grey_dataset(stored), window=window)
    inverted = render_display_image(grey_dataset(stored, PhotometricInterpretation="MONOCHROME1"), window=window)
    # ((50 - 50) / 100 + 0.5) * 255 = 127.5, rounded half to even
    assert plain.tolist() == [[0, 128, 255]]
    assert inverted.tolist() == [[255, 128, 0]]


@pytest.mark.parametrize(
    ("photometric", "shape", "inverted"),
    [
        ("MONOCHROME2", "IDENTITY", False),
        ("MONOCHROME2", "INVERSE", True),
        ("MONOCHROME1", "INVERSE", True),  # DX: one inversion, not two
        ("MONOCHROME1", "IDENTITY", True),  # identity "other than to account for" MONOCHROME1
    ],
)
def test_presentation_lut_shape(grey_dataset, photometric, shape, inverted):
    stored = np.array([[0, 255]], np.uint8)
    dataset = grey_dataset(stored, PhotometricInterpretation=photometric, PresentationLUTShape=shape)
    display = render_display_image(dataset, window=WindowLevel(128, 256))
    assert display.tolist() == ([[255, 0]] if inverted else [[0, 255]])


def test_first_header_window_is_the_default(grey_dataset):
    stored = np.array([[0, 10, 20, 30]], np.int16)
    dataset = grey_dataset(stored, WindowCenter=[10, 0], WindowWidth=[21, 100])
    # c=10 w=21: ((x - 9.5) / 20 + 0.5) * 255 for x in (-0.5, 19.5]: 0 -> 6.375, 10 -> 133.875
    assert render_display_image(dataset).tolist() == [[6, 134, 255, 255]]


def test_image_without_window_uses_its_value_range(grey_dataset):
    stored = np.arange(0, 4000, dtype=np.uint16).reshape(40, 100)
    display = render_display_image(grey_dataset(stored))
    assert display[0, 0] == 0 and display[-1, -1] == 255
    assert 100 < display[20, 0] < 155


def test_each_frame_of_a_multiframe_uses_its_own_rescale(grey_dataset, rescale_group):
    stored = np.full((2, 1, 2), 100, np.int16)
    dataset = grey_dataset(stored)
    dataset.PerFrameFunctionalGroupsSequence = Sequence([rescale_group("1", "0"), rescale_group("1", "100")])
    window = WindowLevel(150, 100)  # LINEAR: black at <= 100, white above 199
    assert render_display_image(dataset, 0, window).tolist() == [[0, 0]]
    assert render_display_image(dataset, 1, window).tolist() == [[255, 255]]


@pytest.mark.shared_data
def test_computed_radiograph_monochrome1_shows_high_values_dark(shared_dicom):
    dataset = read_dataset(shared_dicom / DATA / "RG3_J2KR.dcm")
    stored = decode_frame(dataset, 0)
    display = render_display_image(dataset)
    assert display.shape == stored.shape
    assert np.corrcoef(stored[::8, ::8].ravel(), display[::8, ::8].ravel())[0, 1] < -0.9


@pytest.mark.shared_data
def test_voi_lut_sequence_is_the_default_voi(shared_dicom):
    """vlut_04: 8-bit image through a 256-entry, 16-bit VOI LUT; display = LUT / 65535 * 255."""
    dataset = read_dataset(shared_dicom / DATA / "vlut_04.dcm")
    stored = decode_frame(dataset, 0)
    table = np.frombuffer(dataset.VOILUTSequence[0].LUTData, dtype="<u2") if isinstance(
        dataset.VOILUTSequence[0].LUTData, bytes
    ) else np.asarray(dataset.VOILUTSequence[0].LUTData)
    expected = np.rint(table[stored].astype(np.float64) * 255 / 65535).astype(np.uint8)
    assert np.array_equal(render_display_image(dataset), expected)


def test_voi_lut_sequence_by_hand(grey_dataset):
    """LUT Descriptor 4\\10\\8: values below 10 take the first entry, above 13 the last (PS3.3 C.11.2.1.1)."""
    stored = np.array([[5, 10, 11, 12, 13, 40]], np.uint8)
    dataset = grey_dataset(stored, WindowCenter=128, WindowWidth=256)
    item = Dataset()
    item.add_new("LUTDescriptor", "US", [4, 10, 8])
    item.add_new("LUTData", "US", [0, 100, 200, 255])
    dataset.VOILUTSequence = Sequence([item])
    assert render_display_image(dataset).tolist() == [[0, 0, 100, 200, 255, 255]]
    # an explicit window (the reader dragging W/L) replaces the header's VOI LUT
    assert render_display_image(dataset, window=WindowLevel(128, 256)).tolist() == [[5, 10, 11, 12, 13, 40]]


@pytest.mark.shared_data
def test_palette_colour_maps_indices_through_the_tables(shared_dicom):
    dataset = read_dataset(shared_dicom / DATA / "OBXXXX1A.dcm")
    indices = decode_frame(dataset, 0)
    rgb = render_display_image(dataset)
    assert rgb.shape == (600, 800, 3) and rgb.dtype == np.uint8
    tables = [
        np.frombuffer(dataset[f"{colour}PaletteColorLookupTableData"].value, dtype="<u2")
        for colour in ("Red", "Green", "Blue")
    ]
    for row, column in [(0, 0), (300, 400), (599, 799), (123, 456)]:
        index = int(indices[row, column])
        assert rgb[row, column].tolist() == [int(table[index]) >> 8 for table in tables]


@pytest.mark.shared_data
def test_segmented_16_bit_palette_renders_in_colour(shared_dicom):
    little = render_display_image(read_dataset(shared_dicom / DATA / "gdcm-US-ALOKA-16.dcm"))
    big = render_display_image(read_dataset(shared_dicom / DATA / "gdcm-US-ALOKA-16_big.dcm"))
    assert little.shape == (480, 640, 3)
    assert np.array_equal(little, big)
    green_markers = little[..., 1].astype(int) - little[..., 0] > 100  # the green cursor and depth marks
    assert 50 < green_markers.sum() < little.shape[0] * little.shape[1] // 10


@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["SC_rgb_16bit.dcm", "SC_rgb_32bit.dcm", "SC_rgb_expb_32bit.dcm"])
def test_deep_rgb_scales_to_the_same_8_bit_image(shared_dicom, name):
    reference = render_display_image(read_dataset(shared_dicom / DATA / "SC_rgb.dcm"))
    assert np.array_equal(render_display_image(read_dataset(shared_dicom / DATA / name)), reference)


@pytest.mark.shared_data
def test_ybr_full_422_displays_as_rgb(shared_dicom):
    reference = render_display_image(read_dataset(shared_dicom / DATA / "SC_rgb.dcm")).astype(int)
    ybr = render_display_image(read_dataset(shared_dicom / "broken_odd/pydicom-bundled/SC_ybr_full_422_uncompressed.dcm"))
    assert np.abs(ybr - reference).max() <= 8


@pytest.mark.shared_data
def test_float_parametric_map_is_windowed_over_its_range(shared_dicom):
    display = render_display_image(read_dataset(shared_dicom / DATA / "parametric_map_double_float.dcm"))
    assert display.dtype == np.uint8 and display.min() == 0 and display.max() == 255


def test_voi_lut_applies_to_rounded_fractional_modality_values(grey_dataset):
    stored = np.array([[20, 22, 24]], np.uint8)
    dataset = grey_dataset(stored, RescaleSlope="0.5", RescaleIntercept="0.4")  # 10.4, 11.4, 12.4
    item = Dataset()
    item.add_new("LUTDescriptor", "US", [4, 10, 8])
    item.add_new("LUTData", "US", [0, 100, 200, 255])
    dataset.VOILUTSequence = Sequence([item])
    assert render_display_image(dataset).tolist() == [[0, 100, 200]]


def test_wide_32_bit_range_is_windowed_without_a_table(grey_dataset):
    """A range too wide for a lookup table (RT dose, parametric maps) is mapped pixel by pixel."""
    stored = np.array([[0, 1 << 30, (1 << 31) + 5]], np.uint32)
    display = render_display_image(grey_dataset(stored), window=WindowLevel(1 << 30, 1 << 31))
    assert display.tolist() == [[0, 128, 255]]
