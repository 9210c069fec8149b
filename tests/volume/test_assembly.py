"""Volume assembly: voxels (HU) and geometry against SimpleITK on real series, every path on synthetic ones."""

from __future__ import annotations

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk
from pydicom.uid import JPEG2000Lossless

from tests.volume.synthetic_series import apply_to_files, axial_positions, slice_pixels, write_series
from workstation.dicom.displaysets import display_sets
from workstation.dicom.model import read_patients
from workstation.volume.assembly import (
    VolumeAssemblyError,
    assemble_volume,
    decoding_pool,
    modality_dtype,
    store_modality_values,
)

CT_FOLDER = "ct_volume/pancreatic_ct_cbct_seg_philips_ct/dicom"
MR_FOLDER = "mr_volume/FNNDSC_SAG-anon_siemens_skyra_mprage192"
ENHANCED = "multiframe_enhanced/dcm_qa_enh/In"


def _display_sets(*paths):
    patients, errors = read_patients(paths)
    assert errors == []
    series = [series for patient in patients for series in patient.all_series()]
    return [display_set for item in series for display_set in display_sets(item)]


def _expected_slice(value, intercept=-1024, rows=8, columns=6):
    return slice_pixels(rows, columns, value).astype(np.int32) + intercept


@pytest.mark.shared_data
@pytest.mark.parametrize("folder", [CT_FOLDER, MR_FOLDER])
def test_real_series_voxels_and_geometry_equal_simpleitk(shared_dicom, folder):
    (display_set,) = _display_sets(shared_dicom / folder)
    volume = assemble_volume(display_set)
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(shared_dicom / folder)))
    image = reader.Execute()
    assert np.array_equal(volume.voxels, sitk.GetArrayViewFromImage(image))
    assert volume.size == image.GetSize()
    assert np.allclose(volume.spacing, image.GetSpacing(), atol=1e-3)
    assert np.allclose(volume.origin, image.GetOrigin(), atol=1e-3)
    assert np.allclose(volume.direction, image.GetDirection(), atol=1e-6)


@pytest.mark.shared_data
def test_real_ct_is_in_hounsfield_units(shared_dicom):
    (display_set,) = _display_sets(shared_dicom / CT_FOLDER)
    volume = assemble_volume(display_set)
    assert volume.voxels.dtype == np.int16
    assert volume.voxels.min() >= -1000 and volume.voxels.max() <= 3095  # 12 bits stored, intercept -1000
    air = volume.voxels[:, :20, :20]
    assert np.median(air) < -900  # corners of the field of view are air


@pytest.mark.shared_data
def test_enhanced_siemens_time_point_equals_simpleitk(shared_dicom):
    (display_set,) = _display_sets(shared_dicom / ENHANCED / "Siemens/XA10")
    image = sitk.ReadImage(str(shared_dicom / ENHANCED / "Siemens/XA10/6_3.dcm"))
    volume = assemble_volume(display_set, phase=2)
    assert np.array_equal(volume.voxels, sitk.GetArrayViewFromImage(image))
    assert np.allclose(volume.origin, image.GetOrigin(), atol=1e-3)


@pytest.mark.shared_data
def test_enhanced_philips_per_frame_rescale(shared_dicom):
    """Magnitude frames equal SimpleITK's first 32 frames. SimpleITK applies the first frame's rescale to
    all 64, which is wrong for the field-map frames, so those are checked against pydicom's stored values
    rescaled with each frame's own Pixel Value Transformation."""
    path = shared_dicom / ENHANCED / "Philips/IM_0027_fMAP.dcm"
    magnitude, field_map = _display_sets(path)
    image = sitk.GetArrayFromImage(sitk.ReadImage(str(path)))
    volume = assemble_volume(magnitude)
    assert volume.voxels.dtype == np.float32
    assert np.allclose(volume.voxels, image[:32], rtol=1e-6, atol=1e-3)
    dataset = pydicom.dcmread(path)
    groups = dataset.PerFrameFunctionalGroupsSequence
    expected = [
        dataset.pixel_array[frame] * float(groups[frame].PixelValueTransformationSequence[0].RescaleSlope)
        + float(groups[frame].PixelValueTransformationSequence[0].RescaleIntercept)
        for frame in range(32, 64)
    ]
    assert np.allclose(assemble_volume(field_map).voxels, expected, atol=1e-3)


def test_slices_land_in_position_order_with_rescale_applied(tmp_path):
    positions = axial_positions(5)
    order = [3, 0, 4, 1, 2]
    write_series(tmp_path, [positions[k] for k in order], values=[100 * k for k in order])
    (display_set,) = _display_sets(tmp_path)
    volume = assemble_volume(display_set)
    assert volume.voxels.shape == (5, 8, 6) and volume.voxels.dtype == np.int16
    for k in range(5):
        assert np.array_equal(volume.voxels[k], _expected_slice(100 * k))
    assert np.allclose(volume.affine @ [2, 3, 4, 1], [-20 + 2 * 0.75, -30 + 3 * 0.5, -10 + 4 * 2.0, 1])


def test_missing_slice_is_blank_at_the_lowest_value(tmp_path):
    positions = [position for index, position in enumerate(axial_positions(5)) if index != 2]
    write_series(tmp_path, positions, values=[200, 300, 500, 600])
    (display_set,) = _display_sets(tmp_path)
    volume = assemble_volume(display_set)
    assert volume.voxels.shape[0] == 5
    assert np.array_equal(volume.voxels[3], _expected_slice(500))
    assert np.all(volume.voxels[2] == 200 - 1024)
    assert any("1 slice(s) missing" in warning for warning in volume.warnings)


def test_unreadable_slice_is_left_blank_and_reported(tmp_path):
    paths = write_series(tmp_path, axial_positions(3), values=[200, 300, 400])
    data = paths[1].read_bytes()
    paths[1].write_bytes(data[: len(data) - 40])  # cut into the pixel data
    (display_set,) = _display_sets(tmp_path)
    volume = assemble_volume(display_set)
    assert np.array_equal(volume.voxels[0], _expected_slice(200))
    assert np.all(volume.voxels[1] == 200 - 1024)
    assert any("left blank" in warning and paths[1].name in warning for warning in volume.warnings)


def test_pixel_data_not_last_goes_through_the_decoder_with_the_same_values(tmp_path):
    paths = write_series(tmp_path, axial_positions(3), values=[0, 10, 20])
    apply_to_files(paths[:1], lambda dataset: setattr(dataset, "DataSetTrailingPadding", b"\0" * 16))
    (display_set,) = _display_sets(tmp_path)
    volume = assemble_volume(display_set)
    for k in range(3):
        assert np.array_equal(volume.voxels[k], _expected_slice(10 * k))


def test_bits_above_bits_stored_are_ignored(tmp_path):
    paths = write_series(tmp_path, axial_positions(2), values=[5, 6])

    def set_overlay_bits(dataset):
        stored = dataset.pixel_array | np.uint16(0xF000)  # garbage above the 12 stored bits
        dataset.PixelData = stored.tobytes()

    apply_to_files(paths, set_overlay_bits)
    (display_set,) = _display_sets(tmp_path)
    volume = assemble_volume(display_set)
    assert np.array_equal(volume.voxels[0], _expected_slice(5))


def test_fractional_rescale_gives_float_voxels(tmp_path):
    write_series(tmp_path, axial_positions(2), rescale=(0.5, 1.25), values=[4, 8])
    (display_set,) = _display_sets(tmp_path)
    assert modality_dtype(display_set.frames) == np.float32
    volume = assemble_volume(display_set)
    assert np.allclose(volume.voxels[1], slice_pixels(8, 6, 8) * 0.5 + 1.25)


def test_jpeg2000_series_decodes_to_the_same_volume_serially_and_in_worker_processes(tmp_path):
    positions = axial_positions(6)
    write_series(tmp_path / "plain", positions, rows=32, columns=40, values=[40 * k for k in range(6)])
    compressed = write_series(tmp_path / "j2k", positions, rows=32, columns=40, values=[40 * k for k in range(6)])
    apply_to_files(compressed, lambda dataset: dataset.compress(JPEG2000Lossless))
    assert pydicom.dcmread(compressed[0]).file_meta.TransferSyntaxUID == JPEG2000Lossless
    expected = assemble_volume(_display_sets(tmp_path / "plain")[0]).voxels
    assert np.array_equal(expected[5], _expected_slice(200, rows=32, columns=40))
    (display_set,) = _display_sets(tmp_path / "j2k")
    assert np.array_equal(assemble_volume(display_set).voxels, expected)
    with decoding_pool(2) as pool:
        assert np.array_equal(assemble_volume(display_set, executor=pool).voxels, expected)


def test_images_without_position_cannot_form_a_volume(tmp_path):
    paths = write_series(tmp_path, axial_positions(2))

    def forget_position(dataset):
        del dataset.ImagePositionPatient
        del dataset.ImageOrientationPatient

    apply_to_files(paths, forget_position)
    (display_set,) = _display_sets(tmp_path)
    with pytest.raises(VolumeAssemblyError, match="no patient position"):
        assemble_volume(display_set)


def test_uncompressed_frames_are_read_in_place_without_the_decoder(tmp_path, monkeypatch):
    write_series(tmp_path, axial_positions(3), values=[0, 10, 20])
    (display_set,) = _display_sets(tmp_path)

    def no_decoding(*args):
        raise AssertionError("the decoder must not be needed for uncompressed little-endian frames")

    monkeypatch.setattr("workstation.volume.assembly.decode_instance_frames", no_decoding)
    volume = assemble_volume(display_set)
    assert np.array_equal(volume.voxels[2], _expected_slice(20))


@pytest.mark.parametrize(
    "stored_dtype, bits, slope, intercept, target_dtype",
    [
        (np.uint16, 12, 1, -1024, np.int16),
        (np.uint16, 16, 2, -32768, np.int32),
        (np.int16, 16, 1, -1024, np.int32),
        (np.uint16, 16, -1, 65535, np.uint16),
        (np.uint8, 8, 3, 7, np.int16),
    ],
)
def test_integer_rescale_is_exact_over_the_whole_stored_range(stored_dtype, bits, slope, intercept, target_dtype):
    signed = np.iinfo(stored_dtype).min < 0
    low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    stored = np.linspace(low, high, 4096).round().astype(stored_dtype).reshape(64, 64)
    target = np.empty((64, 64), dtype=target_dtype)
    store_modality_values(target, stored, float(slope), float(intercept))
    assert np.array_equal(target, stored.astype(np.int64) * slope + intercept)
