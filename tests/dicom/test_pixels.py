"""Every transfer syntax decodes to the pixels of its uncompressed twin; modality values follow PS3.3 C.11.1."""

from __future__ import annotations

import numpy as np
import pytest
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.tag import Tag

from workstation.core.errors import DicomReadError
from workstation.dicom.pixels import decode_frame, decode_frames, frame_rescale, modality_values, number_of_frames
from workstation.dicom.reading import read_dataset

TRIO = "transfer_syntaxes/dcm_qa_ts_siemens_trio/In"
DATA = "mixed/pydicom-data"
ODD = "broken_odd/pydicom-bundled"

# (reference, other): lossless pairs must be equal to the last bit
LOSSLESS_TWINS = [(f"{TRIO}/1.dcm", f"{TRIO}/{n}.dcm") for n in range(2, 10)] + [
    (f"{DATA}/{a}", f"{DATA}/{b}")
    for a, b in [
        ("emri_small.dcm", "emri_small_RLE.dcm"),
        ("emri_small.dcm", "emri_small_big_endian.dcm"),
        ("emri_small.dcm", "emri_small_jpeg_2k_lossless.dcm"),
        ("emri_small.dcm", "emri_small_jpeg_ls_lossless.dcm"),
        ("MR2_UNCR.dcm", "MR2_J2KR.dcm"),
        ("MR2_UNCI.dcm", "MR2_J2KI.dcm"),  # UNCI is the J2K irreversible image, decompressed
        ("US1_UNCR.dcm", "US1_J2KR.dcm"),
        ("US1_UNCI.dcm", "US1_J2KI.dcm"),
        ("693_UNCR.dcm", "693_J2KR.dcm"),
        ("OBXXXX1A.dcm", "OBXXXX1A_expb.dcm"),
        ("OBXXXX1A.dcm", "OBXXXX1A_rle.dcm"),
        ("OBXXXX1A_2frame.dcm", "OBXXXX1A_rle_2frame.dcm"),
        ("OBXXXX1A_2frame.dcm", "OBXXXX1A_expb_2frame.dcm"),
        ("SC_rgb.dcm", "SC_rgb_expb.dcm"),
        ("SC_rgb.dcm", "SC_rgb_gdcm2k_uncompressed.dcm"),
        ("SC_rgb_2frame.dcm", "SC_rgb_expb_2frame.dcm"),
        ("SC_rgb_16bit_2frame.dcm", "SC_rgb_expb_16bit_2frame.dcm"),
        ("SC_rgb_32bit_2frame.dcm", "SC_rgb_expb_32bit_2frame.dcm"),
        ("gdcm-US-ALOKA-16.dcm", "gdcm-US-ALOKA-16_big.dcm"),
        ("liver.dcm", "liver_expb.dcm"),
        ("liver.dcm", "liver_j2k.dcm"),
        ("liver.dcm", "liver_deflate.dcm"),
        ("liver_nonbyte_aligned.dcm", "liver_nonbyte_aligned_j2k.dcm"),
        ("liver_nonbyte_aligned.dcm", "liver_nonbyte_aligned_deflate.dcm"),
        ("JLSL_RGB_ILV0.dcm", "JLSL_RGB_ILV1.dcm"),
        ("JLSL_RGB_ILV0.dcm", "JLSL_RGB_ILV2.dcm"),
    ]
]

# (reference, other, largest error allowed, largest mean error allowed): lossy or colour-converted pairs
BOUNDED_TWINS = [
    (f"{DATA}/RG3_J2KR.dcm", f"{DATA}/RG3_J2KI.dcm", 12, 1.0),  # J2K irreversible, 10-bit CR
    (f"{DATA}/JLSL_RGB_ILV0.dcm", f"{DATA}/JLSN_RGB_ILV0.dcm", 3, 2.0),  # JPEG-LS near-lossless, NEAR=3
    (f"{DATA}/HTJ2KLossless_08_RGB.dcm", f"{DATA}/HTJ2K_08_RGB.dcm", 6, 1.0),  # HTJ2K lossy
    # YCbCr with 8-bit rounding, to RGB: a few steps of 255
    (f"{DATA}/SC_rgb.dcm", f"{DATA}/SC_ybr_full_uncompressed.dcm", 8, 1.0),
    (f"{DATA}/SC_rgb.dcm", f"{ODD}/SC_ybr_full_422_uncompressed.dcm", 8, 1.0),
    (f"{DATA}/SC_rgb.dcm", f"{ODD}/SC_rgb_jpeg_dcmtk.dcm", 8, 1.0),  # JPEG baseline, YBR_FULL
    (f"{DATA}/SC_rgb.dcm", f"{DATA}/SC_rgb_dcmtk_ebcr_dcmd.dcm", 8, 1.0),
    (f"{DATA}/SC_rgb.dcm", f"{DATA}/SC_rgb_dcmtk_ebcys4_dcmd.dcm", 8, 1.0),
    # JPEG baseline with 4:2:2/4:1:1 chroma subsampling: edges of the colour bars differ a lot, the bulk not
    (f"{DATA}/SC_rgb.dcm", f"{DATA}/SC_rgb_dcmtk_ebcyn1_dcmd.dcm", 96, 4.0),
]


def _decoded(shared_dicom, relative):
    return decode_frames(read_dataset(shared_dicom / relative)).astype(np.int64)


@pytest.mark.shared_data
@pytest.mark.parametrize(("reference", "other"), LOSSLESS_TWINS, ids=lambda p: p.rsplit("/", 1)[-1])
def test_lossless_transfer_syntax_decodes_to_the_same_pixels(shared_dicom, reference, other):
    expected, actual = _decoded(shared_dicom, reference), _decoded(shared_dicom, other)
    assert actual.shape == expected.shape
    assert np.array_equal(actual, expected)
    assert expected.max() > expected.min()  # a blank decode would also compare equal


@pytest.mark.shared_data
@pytest.mark.parametrize(("reference", "other", "max_error", "mean_error"), BOUNDED_TWINS, ids=lambda p: str(p).rsplit("/", 1)[-1])
def test_lossy_transfer_syntax_stays_within_bounds(shared_dicom, reference, other, max_error, mean_error):
    expected, actual = _decoded(shared_dicom, reference), _decoded(shared_dicom, other)
    assert actual.shape == expected.shape
    error = np.abs(actual - expected)
    assert error.max() <= max_error
    assert error.mean() <= mean_error


@pytest.mark.shared_data
def test_decoded_frames_have_a_frame_axis_and_native_byte_order(shared_dicom):
    single = decode_frames(read_dataset(shared_dicom / DATA / "SC_rgb_expb_16bit.dcm"))
    assert single.shape == (1, 100, 100, 3)
    assert single.dtype == np.uint16 and single.dtype.isnative
    multi = decode_frames(read_dataset(shared_dicom / DATA / "emri_small_big_endian.dcm"))
    assert multi.shape == (10, 64, 64) and multi.dtype.isnative


@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["emri_small.dcm", "emri_small_RLE.dcm", "emri_small_jpeg_2k_lossless.dcm"])
def test_one_frame_matches_the_same_frame_of_all_frames(shared_dicom, name):
    dataset = read_dataset(shared_dicom / DATA / name)
    everything = decode_frames(dataset)
    for index in (0, 4, 9):
        assert np.array_equal(decode_frame(dataset, index), everything[index])
    assert not np.array_equal(everything[0], everything[9])


@pytest.mark.shared_data
def test_one_frame_of_compressed_multiframe_decodes_only_that_frame(shared_dicom, monkeypatch):
    """Per-frame decoding: the JPEG 2000 codec is asked for one frame, not ten."""
    import pydicom.pixels.decoders.base as decoder_base

    calls = []
    original = decoder_base.DecodeRunner.decode

    def counting(runner, index):
        calls.append(index)
        return original(runner, index)

    monkeypatch.setattr(decoder_base.DecodeRunner, "decode", counting)
    decode_frame(read_dataset(shared_dicom / DATA / "emri_small_jpeg_2k_lossless.dcm"), 7)
    assert calls == [7]


def test_frame_outside_the_image_is_a_clear_error(grey_dataset):
    dataset = grey_dataset(np.zeros((3, 4, 4), np.uint16))
    with pytest.raises(DicomReadError, match="frame 4 does not exist .*3 frames"):
        decode_frame(dataset, 3)


def test_malformed_number_of_frames_is_reported(grey_dataset):
    dataset = grey_dataset(np.zeros((4, 4), np.uint16))
    dataset[0x00280008] = RawDataElement(Tag(0x00280008), "IS", 2, b"1A", 0, False, True)  # as read from a file
    with pytest.raises(DicomReadError, match="invalid Number of Frames '1A'"):
        number_of_frames(dataset)


def test_rescale_with_whole_numbers_stays_integer(grey_dataset):
    stored = np.array([[0, 1000], [2000, 4095]], np.uint16)
    dataset = grey_dataset(stored, RescaleSlope="1", RescaleIntercept="-1024")
    values = modality_values(dataset, stored)
    assert values.dtype.kind == "i"
    assert values.tolist() == [[-1024, -24], [976, 3071]]


def test_rescale_with_fractional_slope_is_float32(grey_dataset):
    stored = np.array([[0, 10], [20, 30]], np.int16)
    dataset = grey_dataset(stored, RescaleSlope="0.5", RescaleIntercept="2.25")
    values = modality_values(dataset, stored)
    assert values.dtype == np.float32
    assert values.tolist() == [[2.25, 7.25], [12.25, 17.25]]


def test_no_rescale_returns_stored_values_unchanged(grey_dataset):
    stored = np.arange(6, dtype=np.uint8).reshape(2, 3)
    assert modality_values(grey_dataset(stored), stored) is stored


def test_per_frame_rescale_of_enhanced_multiframe(grey_dataset, rescale_group):
    stored = np.full((2, 2, 2), 100, np.int16)
    dataset = grey_dataset(stored)
    dataset.PerFrameFunctionalGroupsSequence = Sequence([rescale_group("1", "-1000"), rescale_group("2", "0")])
    assert frame_rescale(dataset, 0) == (1.0, -1000.0)
    assert modality_values(dataset, stored[0], 0).tolist() == [[-900, -900], [-900, -900]]
    assert modality_values(dataset, stored[1], 1).tolist() == [[200, 200], [200, 200]]


def test_shared_rescale_applies_when_the_frame_has_none(grey_dataset, rescale_group):
    stored = np.full((2, 2, 2), 10, np.int16)
    dataset = grey_dataset(stored)
    dataset.PerFrameFunctionalGroupsSequence = Sequence([Dataset(), Dataset()])
    dataset.SharedFunctionalGroupsSequence = Sequence([rescale_group("3", "1")])
    assert modality_values(dataset, stored[1], 1).tolist() == [[31, 31], [31, 31]]


@pytest.mark.shared_data
def test_enhanced_ct_frames_carry_their_rescale(shared_dicom):
    dataset = read_dataset(shared_dicom / DATA / "eCT_Supplemental.dcm")
    stored = decode_frame(dataset, 1)
    assert frame_rescale(dataset, 1) == (1.0, -1024.0)
    assert np.array_equal(modality_values(dataset, stored, 1), stored.astype(np.int32) - 1024)


@pytest.mark.shared_data
def test_modality_lut_sequence_maps_through_the_table(shared_dicom):
    """mlut_18: 12-bit signed input through a 4096-entry LUT starting at -2048 (PS3.3 C.11.1)."""
    dataset = read_dataset(shared_dicom / DATA / "mlut_18.dcm")
    stored = decode_frame(dataset, 0)
    table = np.asarray(dataset.ModalityLUTSequence[0].LUTData)
    values = modality_values(dataset, stored)
    assert values.dtype == np.uint16
    for row, column in [(0, 0), (100, 300), (511, 511)]:
        assert values[row, column] == table[int(stored[row, column]) + 2048]


@pytest.mark.shared_data
def test_float_pixel_data_gives_float_values(shared_dicom):
    dataset = read_dataset(shared_dicom / DATA / "parametric_map_float.dcm")
    stored = decode_frame(dataset, 0)
    values = modality_values(dataset, stored)
    assert values.dtype == np.float32
    assert 0.9 < float(values.max()) < 1.0


def test_float_pixel_data_with_whole_number_rescale_stays_float(grey_dataset):
    stored = np.array([[0.25, 1.5]], np.float32)
    dataset = grey_dataset(np.zeros((1, 2), np.uint16), RescaleSlope="2", RescaleIntercept="1")
    values = modality_values(dataset, stored)
    assert values.dtype == np.float32
    assert values.tolist() == [[1.5, 4.0]]


@pytest.mark.shared_data
def test_philips_field_map_frames_carry_different_rescales(shared_dicom):
    """Enhanced MR field map: magnitude frames (slope 1.28) and field frames in Hz (intercept -500)."""
    dataset = read_dataset(shared_dicom / "multiframe_enhanced/dcm_qa_enh/In/Philips/IM_0027_fMAP.dcm")
    rescales = [frame_rescale(dataset, index) for index in range(number_of_frames(dataset))]
    field_frames = [index for index, (_, intercept) in enumerate(rescales) if intercept == -500]
    magnitude_frames = [index for index, (_, intercept) in enumerate(rescales) if intercept == 0]
    assert field_frames and magnitude_frames
    field = modality_values(dataset, decode_frame(dataset, field_frames[0]), field_frames[0])
    magnitude = modality_values(dataset, decode_frame(dataset, magnitude_frames[0]), magnitude_frames[0])
    assert field.dtype == np.float32 and field.min() < 0 and -501 < field.min() and field.max() < 501
    assert magnitude.min() >= 0
