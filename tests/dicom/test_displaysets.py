"""Series -> display sets: localizers and orientations apart, volumes at the same positions as phases."""

from __future__ import annotations

import numpy as np
import pytest
from pydicom.uid import generate_uid

from tests.volume.synthetic_series import CORONAL, SAGITTAL, axial_positions, write_series
from workstation.dicom.displaysets import ACQUISITION_ORDER_KEY, CINE, IMAGE, VOLUME, display_sets
from workstation.dicom.model import read_patients


def _series(*folders):
    patients, errors = read_patients(folders)
    assert errors == []
    series = [series for patient in patients for series in patient.all_series()]
    assert len(series) == 1
    return series[0]


def test_localizer_is_its_own_display_set(tmp_path):
    uid = generate_uid()
    write_series(tmp_path / "axial", axial_positions(5), series_instance_uid=uid)
    write_series(
        tmp_path / "scout",
        [(0, 0, 0)],
        orientation=CORONAL,
        rows=10,
        columns=10,
        series_instance_uid=uid,
        per_slice=[{"ImageType": ["ORIGINAL", "PRIMARY", "LOCALIZER"]}],
    )
    sets = display_sets(_series(tmp_path))
    assert sorted((item.kind, len(item.frames)) for item in sets) == [(IMAGE, 1), (VOLUME, 5)]
    assert not any("mixes orientations" in warning for item in sets for warning in item.warnings)


def test_mixed_orientations_split_and_are_reported(tmp_path):
    uid = generate_uid()
    write_series(tmp_path / "ax", axial_positions(4), series_instance_uid=uid)
    write_series(tmp_path / "sag", [(x, 0, 0) for x in (0, 3, 6)], orientation=SAGITTAL, series_instance_uid=uid)
    sets = display_sets(_series(tmp_path))
    assert sorted(len(item.frames) for item in sets) == [3, 4]
    assert {item.phases[0].slices[0].plane.orientation_name for item in sets} == {"axial", "sagittal"}
    assert all(any("mixes orientations (axial, sagittal)" in warning for warning in item.warnings) for item in sets)


@pytest.mark.parametrize(
    "keyword, values",
    [
        ("TriggerTime", [0.0, 350.0, 700.0]),
        ("TemporalPositionIdentifier", [1, 2, 3]),
        ("AcquisitionNumber", [4, 5, 6]),
        ("EchoTime", [10.0, 40.0, 80.0]),
    ],
)
def test_volumes_at_the_same_positions_become_phases_by_their_key(tmp_path, keyword, values):
    positions = axial_positions(4)
    phases = len(values)
    interleaved = [positions[slot % 4] for slot in range(4 * phases)]  # slice-major, as many scanners send them
    per_slice = [{keyword: values[slot // 4]} for slot in range(4 * phases)]
    pixel_values = [1000 * (slot // 4) + 10 * (slot % 4) for slot in range(4 * phases)]
    write_series(tmp_path, interleaved, per_slice=per_slice, values=pixel_values)
    (display_set,) = display_sets(_series(tmp_path))
    assert display_set.kind == VOLUME
    assert display_set.phase_key == keyword
    assert [phase.value for phase in display_set.phases] == values
    for number, phase in enumerate(display_set.phases):
        assert len(phase.slices) == 4
        z = [frame.plane.position[2] for frame in phase.slices]
        assert z == sorted(z)
    assert any(f"told apart by {keyword}" in warning for warning in display_set.warnings)


def test_diffusion_directions_are_told_apart_by_b_value_and_gradient(tmp_path):
    positions = axial_positions(3)
    gradients = [(0.0, 0.0, 0.0), (1.0, 0.0, 0.0), (0.0, 1.0, 0.0)]
    b_values = [0, 1000, 1000]
    per_slice = [
        {"DiffusionBValue": b_values[volume], "DiffusionGradientOrientation": list(gradients[volume])}
        for volume in range(3)
        for _ in positions
    ]
    write_series(tmp_path, positions * 3, per_slice=per_slice, modality="MR")
    (display_set,) = display_sets(_series(tmp_path))
    assert display_set.phase_key == "DiffusionBValue + DiffusionGradientOrientation"
    assert [phase.value for phase in display_set.phases] == [(0, (0, 0, 0)), (1000, (0, 1, 0)), (1000, (1, 0, 0))]


def test_repeats_without_a_key_split_in_acquisition_order(tmp_path):
    positions = axial_positions(3)
    write_series(tmp_path, positions * 2, instance_numbers=[1, 2, 3, 4, 5, 6], values=[0, 10, 20, 500, 510, 520])
    (display_set,) = display_sets(_series(tmp_path))
    assert display_set.phase_key == ACQUISITION_ORDER_KEY
    numbers = [[frame.instance.instance_number for frame in phase.slices] for phase in display_set.phases]
    assert numbers == [[1, 2, 3], [4, 5, 6]]


def test_single_image_keeps_its_geometry(tmp_path):
    write_series(tmp_path / "one", [(0, 0, 0)])
    (single,) = display_sets(_series(tmp_path / "one"))
    assert single.kind == IMAGE and single.phases[0].affine is not None


@pytest.mark.parametrize(
    "positions, expected",
    [
        ([(0.0, 0.5 * k, 2.0 * k) for k in range(4)], "gantry tilt of 14.0 degrees"),
        ([(0.0, 0.0, z) for z in (0.0, 2.0, 5.0, 6.0)], "uneven slice spacing: steps from 1.00 to 3.00 mm"),
        ([(0.0, 0.0, z) for z in (0.0, 2.0, 4.0, 8.0)], "1 slice(s) missing (1 between 4.0 and 8.0 mm)"),
    ],
)
def test_stack_defects_of_written_series_reach_the_display_set(tmp_path, positions, expected):
    write_series(tmp_path, positions[::-1])
    (display_set,) = display_sets(_series(tmp_path))
    assert any(expected in warning for warning in display_set.warnings), display_set.warnings


@pytest.mark.shared_data
def test_duplicate_positions_of_the_odd_ct_are_reported_not_stacked(shared_dicom):
    (display_set,) = display_sets(_series(shared_dicom / "ct_series_odd"))
    (phase,) = display_set.phases
    assert len(phase.slices) == 10  # 11 files, two of them at the same position (-90 mm)
    positions = [frame.plane.position[2] for frame in phase.slices]
    assert len(set(positions)) == 10 and positions == sorted(positions)
    assert any("repeat the position" in warning and "-90 mm" in warning for warning in display_set.warnings)
    assert any("uneven slice spacing" in warning for warning in display_set.warnings)


@pytest.mark.shared_data
def test_enhanced_siemens_time_points_are_phases(shared_dicom):
    (display_set,) = display_sets(_series(shared_dicom / "multiframe_enhanced/dcm_qa_enh/In/Siemens/XA10"))
    assert display_set.phase_key == "TemporalPositionIndex"
    assert [phase.value for phase in display_set.phases] == [1, 2, 3, 4]
    assert all(len(phase.slices) == 6 for phase in display_set.phases)
    assert {frame.instance.path.name for frame in display_set.phases[2].slices} == {"6_3.dcm"}


@pytest.mark.shared_data
def test_enhanced_philips_magnitude_and_field_map_are_two_display_sets(shared_dicom):
    sets = display_sets(_series(shared_dicom / "multiframe_enhanced/dcm_qa_enh/In/Philips"))
    assert [item.kind for item in sets] == [VOLUME, VOLUME]
    assert [item.frames[0].attributes.image_type[3] for item in sets] == ["M", "FIELD_MAP"]
    assert all(len(item.phases) == 1 and len(item.phases[0].slices) == 32 for item in sets)


@pytest.mark.shared_data
def test_multiframe_without_geometry_is_a_cine(shared_dicom):
    series = _series(shared_dicom / "mixed/pydicom-data/emri_small.dcm")
    (display_set,) = display_sets(series)
    assert display_set.kind == CINE and len(display_set.frames) == 10
    assert np.all([frame.index for frame in display_set.frames] == np.arange(10))


def test_copies_of_one_image_are_not_taken_for_volumes(tmp_path):
    write_series(tmp_path, [(0.0, 0.0, 5.0)] * 3)
    (display_set,) = display_sets(_series(tmp_path))
    assert len(display_set.phases) == 1 and len(display_set.phases[0].slices) == 1
    assert any("2 image(s) repeat the position" in warning for warning in display_set.warnings)
