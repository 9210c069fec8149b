"""Patient / Study / Series / Instance from headers, and per-frame attributes of enhanced multi-frame images."""

from __future__ import annotations

import shutil

import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from tests.volume.synthetic_series import axial_positions, write_series
from workstation.dicom.model import dicom_files, read_patients
from workstation.dicom.multiframe import frame_attributes


def test_folder_becomes_patient_study_series_instances(tmp_path):
    first = write_series(tmp_path / "a", axial_positions(3), instance_numbers=[3, 1, 2])
    write_series(tmp_path / "b", axial_positions(2))
    (tmp_path / "a" / "LICENSE.txt").write_text("CC BY 4.0")
    (tmp_path / "broken.dcm").write_bytes(b"\0" * 128 + b"DICM" + b"\x02\x00")
    patients, errors = read_patients([tmp_path])
    assert [error.path.name for error in errors] == ["broken.dcm"]
    (patient,) = patients
    assert patient.patient_id == "SYNTH-1"
    assert len(patient.studies) == 2  # each write_series call makes its own study
    series = [series for series in patient.all_series()]
    assert sorted(len(item.instances) for item in series) == [2, 3]
    three = next(item for item in series if len(item.instances) == 3)
    assert [instance.instance_number for instance in three.instances] == [1, 2, 3]
    assert {instance.path for instance in three.instances} == set(first)
    assert three.modality == "CT" and three.frame_of_reference_uid
    instance = three.instances[0]
    assert (instance.rows, instance.columns, instance.bits_stored, instance.number_of_frames) == (8, 6, 12, 1)
    assert instance.frames[0].attributes.rescale_intercept == -1024.0


def test_a_copied_file_is_read_once_and_noted(tmp_path):
    (path, _) = write_series(tmp_path / "a", axial_positions(2))
    shutil.copy(path, tmp_path / "a" / "copy.dcm")
    patients, _ = read_patients([tmp_path])
    (series,) = patients[0].all_series()
    assert len(series.instances) == 2
    assert any("same SOP Instance UID" in warning for warning in series.warnings)


def test_folder_scan_passes_over_text_files_but_not_dicom_files_with_odd_names(tmp_path):
    (path,) = write_series(tmp_path, axial_positions(1))
    renamed = path.rename(tmp_path / "image.txt")  # carries the DICM prefix: still DICOM
    notes = tmp_path / "notes.txt"
    notes.write_text("not an image")
    assert dicom_files([tmp_path]) == [renamed]
    _, errors = read_patients([notes])  # named directly, a non-DICOM file is an error in words
    assert "not a DICOM file" in errors[0].problem


def test_missing_file_is_an_error_in_words(tmp_path):
    _, errors = read_patients([tmp_path / "absent.dcm"])
    assert errors[0].problem == "file not found"


def _enhanced_dataset(frames: int = 3) -> Dataset:
    """An enhanced MR header: spacing, orientation and rescale shared; position and time per frame."""
    dataset = Dataset()
    dataset.NumberOfFrames = frames
    shared = Dataset()
    measures = Dataset()
    measures.PixelSpacing = [0.9, 0.7]
    measures.SliceThickness = 3.0
    orientation = Dataset()
    orientation.ImageOrientationPatient = [0, 1, 0, 0, 0, -1]
    transform = Dataset()
    transform.RescaleSlope = 2.0
    transform.RescaleIntercept = -10.0
    frame_type = Dataset()
    frame_type.FrameType = ["ORIGINAL", "PRIMARY", "M", "NONE"]
    shared.PixelMeasuresSequence = Sequence([measures])
    shared.PlaneOrientationSequence = Sequence([orientation])
    shared.PixelValueTransformationSequence = Sequence([transform])
    shared.MRImageFrameTypeSequence = Sequence([frame_type])
    dataset.SharedFunctionalGroupsSequence = Sequence([shared])
    items = []
    for index in range(frames):
        item = Dataset()
        position = Dataset()
        position.ImagePositionPatient = [10.0 * index, 0, 0]
        content = Dataset()
        content.TemporalPositionIndex = index % 2 + 1
        content.InStackPositionNumber = index + 1
        content.DimensionIndexValues = [index % 2 + 1, index + 1]
        item.PlanePositionSequence = Sequence([position])
        item.FrameContentSequence = Sequence([content])
        items.append(item)
    dimensions = []
    for pointer in (0x00209128, 0x00209057):
        dimension = Dataset()
        dimension.DimensionIndexPointer = pointer
        dimensions.append(dimension)
    dataset.DimensionIndexSequence = Sequence(dimensions)
    dataset.PerFrameFunctionalGroupsSequence = Sequence(items)
    return dataset


def test_enhanced_frames_merge_shared_and_per_frame_groups():
    frames = frame_attributes(_enhanced_dataset())
    assert [frame.plane.position for frame in frames] == [(0, 0, 0), (10, 0, 0), (20, 0, 0)]
    assert all(frame.plane.pixel_spacing == (0.9, 0.7) for frame in frames)
    assert all(frame.plane.orientation_name == "sagittal" for frame in frames)
    assert all((frame.rescale_slope, frame.rescale_intercept) == (2.0, -10.0) for frame in frames)
    assert frames[0].image_type == ("ORIGINAL", "PRIMARY", "M", "NONE")
    assert [frame.phase_value("TemporalPositionIndex") for frame in frames] == [1, 2, 1]
    # the slice-position dimension is left out of what tells volumes apart
    assert [frame.phase_value("DimensionIndexValues") for frame in frames] == [(1,), (2,), (1,)]


def test_per_frame_group_overrides_shared():
    dataset = _enhanced_dataset()
    override = Dataset()
    override.RescaleSlope = 1.0
    override.RescaleIntercept = 0.0
    dataset.PerFrameFunctionalGroupsSequence[1].PixelValueTransformationSequence = Sequence([override])
    frames = frame_attributes(dataset)
    assert [frame.rescale_slope for frame in frames] == [2.0, 1.0, 2.0]


def test_unusable_position_leaves_the_frame_without_geometry_and_says_why():
    dataset = _enhanced_dataset(1)
    dataset.SharedFunctionalGroupsSequence[0].PlaneOrientationSequence[0].ImageOrientationPatient = [1, 0, 0, 1, 0, 0]
    (frame,) = frame_attributes(dataset)
    assert frame.plane is None and "perpendicular" in frame.geometry_problem


@pytest.mark.shared_data
def test_real_ct_series_header_model(shared_dicom):
    patients, errors = read_patients([shared_dicom / "ct_volume"])
    assert errors == []
    (series,) = [series for patient in patients for series in patient.all_series()]
    assert series.modality == "CT" and len(series.instances) == 134
    assert len({instance.sop_instance_uid for instance in series.instances}) == 134


@pytest.mark.shared_data
def test_real_enhanced_philips_frames(shared_dicom):
    patients, _ = read_patients([shared_dicom / "multiframe_enhanced/dcm_qa_enh/In/Philips"])
    (series,) = patients[0].all_series()
    (instance,) = series.instances
    assert instance.number_of_frames == 64
    slopes = {round(frame.attributes.rescale_slope, 6) for frame in instance.frames}
    assert slopes == {1.279853, 0.2442}  # magnitude and field map frames are rescaled differently
    assert {frame.attributes.image_type[3] for frame in instance.frames} == {"M", "FIELD_MAP"}
    assert len({frame.plane.position for frame in instance.frames}) == 32  # two images at each of 32 positions
