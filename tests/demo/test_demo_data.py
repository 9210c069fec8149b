"""The demo studies: deterministic, valid geometry, phantom values as claimed, priors that match."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest

from workstation.cli import main
from workstation.demo import DEMO_STUDIES, generate, write_demo_studies
from workstation.demo.catalog import (
    CHEST_CT_CURRENT,
    CHEST_CT_PRIOR,
    CHEST_RADIOGRAPH_CURRENT,
    CHEST_RADIOGRAPH_PRIOR,
    HEAD_MR,
)
from workstation.demo.chest_phantom import BONE_HU, LUNG_HU, ChestAnatomy
from workstation.demo.head_mr import CSF, WHITE_MATTER


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    write_demo_studies(folder)
    return folder


def read_study(folder: Path, key: str, header_only: bool = True) -> list[pydicom.Dataset]:
    return [pydicom.dcmread(path, stop_before_pixels=header_only) for path in sorted((folder / key).rglob("*.dcm"))]


def read_axial_ct(folder: Path, key: str, header_only: bool = True) -> list[pydicom.Dataset]:
    """The CT slices without the scout (localizer)."""
    return [ds for ds in read_study(folder, key, header_only) if "AXIAL" in ds.ImageType]


def test_two_runs_write_identical_files(demo_folder: Path, tmp_path: Path) -> None:
    report = write_demo_studies(tmp_path)
    first = sorted(path.relative_to(demo_folder) for path in demo_folder.rglob("*.dcm"))
    second = sorted(path.relative_to(tmp_path) for path in report.paths)
    assert first == second
    assert len(first) > 200
    for relative in first:
        assert (demo_folder / relative).read_bytes() == (tmp_path / relative).read_bytes(), relative


def test_every_instance_is_valid_part10_with_unique_uids(demo_folder: Path) -> None:
    sop_instance_uids = set()
    for study in DEMO_STUDIES:
        for dataset in read_study(demo_folder, study.key):
            assert dataset.file_meta.MediaStorageSOPInstanceUID == dataset.SOPInstanceUID
            assert dataset.file_meta.MediaStorageSOPClassUID == dataset.SOPClassUID
            assert dataset.file_meta.TransferSyntaxUID == pydicom.uid.ExplicitVRLittleEndian
            for keyword in ("PatientID", "IssuerOfPatientID", "StudyInstanceUID", "SeriesInstanceUID", "AccessionNumber",
                            "StudyDescription", "BodyPartExamined", "StudyDate", "Modality", "WindowCenter"):
                assert dataset.get(keyword) not in (None, ""), keyword
            assert pydicom.uid.UID(dataset.SOPInstanceUID).is_valid
            sop_instance_uids.add(dataset.SOPInstanceUID)
    assert len(sop_instance_uids) == sum(1 for _ in demo_folder.rglob("*.dcm"))


def test_demo_ct_slices_step_by_the_thickness_along_the_normal(demo_folder: Path) -> None:
    datasets = read_axial_ct(demo_folder, CHEST_CT_CURRENT.key)
    assert len(datasets) >= 80
    orientation = np.array(datasets[0].ImageOrientationPatient, dtype=float)
    normal = np.cross(orientation[:3], orientation[3:])
    assert np.allclose(np.linalg.norm(orientation[:3]), 1) and abs(orientation[:3] @ orientation[3:]) < 1e-6
    for dataset in datasets:
        assert np.allclose(np.array(dataset.ImageOrientationPatient, dtype=float), orientation)
        assert dataset.FrameOfReferenceUID == datasets[0].FrameOfReferenceUID
    distances = sorted(np.array(ds.ImagePositionPatient, dtype=float) @ normal for ds in datasets)
    steps = np.diff(distances)
    assert np.allclose(steps, float(datasets[0].SliceThickness), atol=1e-3)
    in_plane = {tuple(np.array(ds.ImagePositionPatient, dtype=float)[:2]) for ds in datasets}
    assert len(in_plane) == 1


def ct_volume(folder: Path, key: str) -> tuple[np.ndarray, np.ndarray]:
    """HU volume [k, j, i] and the LPS position of each slice's first pixel, sorted along the normal."""
    datasets = read_axial_ct(folder, key, header_only=False)
    datasets.sort(key=lambda ds: float(ds.ImagePositionPatient[2]))
    hu = np.stack([ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept) for ds in datasets])
    positions = np.array([ds.ImagePositionPatient for ds in datasets], dtype=float)
    return hu, positions, float(datasets[0].PixelSpacing[0])


def sample_box(hu: np.ndarray, positions: np.ndarray, spacing: float, centre, half_size_mm: float) -> np.ndarray:
    """Voxels within a cube around an LPS point, located through the files' own geometry (axial slices)."""
    k = np.abs(positions[:, 2] - centre[2]) <= half_size_mm
    i = np.abs(positions[0, 0] + spacing * np.arange(hu.shape[2]) - centre[0]) <= half_size_mm
    j = np.abs(positions[0, 1] + spacing * np.arange(hu.shape[1]) - centre[1]) <= half_size_mm
    return hu[np.ix_(k, j, i)]


def test_demo_ct_regions_have_the_claimed_hounsfield_units(demo_folder: Path) -> None:
    hu, positions, spacing = ct_volume(demo_folder, CHEST_CT_CURRENT.key)
    anatomy = ChestAnatomy()
    lung_x, lung_y, _ = anatomy.right_lung_centre
    lung = sample_box(hu, positions, spacing, (lung_x, lung_y + 20.0, -20.0), 8.0)
    spine_x, spine_y = anatomy.vertebral_body_centre
    bone = sample_box(hu, positions, spacing, (spine_x, spine_y, 0.0), 6.0)
    air = sample_box(hu, positions, spacing, (0.0, -170.0, 0.0), 5.0)
    assert abs(lung.mean() - LUNG_HU) < 10 and lung.std() < 20
    # The box may straddle an intervertebral disc, so use the median.
    assert abs(np.median(bone) - BONE_HU) < 20
    assert air.mean() < -950


def test_the_nodule_grows_from_prior_to_current(demo_folder: Path) -> None:
    nodule_centre = ChestAnatomy().nodule_centre
    solid = {}
    for study in (CHEST_CT_PRIOR, CHEST_CT_CURRENT):
        hu, positions, spacing = ct_volume(demo_folder, study.key)
        solid[study.key] = int((sample_box(hu, positions, spacing, nodule_centre, 12.0) > -400).sum())
    assert 0 < solid[CHEST_CT_PRIOR.key] < solid[CHEST_CT_CURRENT.key]


@pytest.mark.parametrize("prior, current", [(CHEST_CT_PRIOR, CHEST_CT_CURRENT), (CHEST_RADIOGRAPH_PRIOR, CHEST_RADIOGRAPH_CURRENT)])
def test_prior_is_earlier_and_matches_the_patient(demo_folder: Path, prior, current) -> None:
    before = read_study(demo_folder, prior.key)[0]
    after = read_study(demo_folder, current.key)[0]
    assert before.StudyDate < after.StudyDate
    assert (before.PatientID, before.IssuerOfPatientID) == (after.PatientID, after.IssuerOfPatientID)
    assert (before.Modality, before.BodyPartExamined) == (after.Modality, after.BodyPartExamined)
    assert before.StudyInstanceUID != after.StudyInstanceUID
    assert before.AccessionNumber != after.AccessionNumber
    if "FrameOfReferenceUID" in after:
        assert before.FrameOfReferenceUID != after.FrameOfReferenceUID


def test_demo_radiograph_is_monochrome1_with_imager_spacing_and_bright_bone(demo_folder: Path) -> None:
    (dataset,) = read_study(demo_folder, CHEST_RADIOGRAPH_CURRENT.key, header_only=False)
    assert dataset.SOPClassUID == pydicom.uid.DigitalXRayImageStorageForPresentation
    assert dataset.PhotometricInterpretation == "MONOCHROME1"
    assert dataset.PresentationLUTShape == "INVERSE"
    assert dataset.PixelIntensityRelationship == "LOG" and dataset.PixelIntensityRelationshipSign == 1
    assert [float(v) for v in dataset.ImagerPixelSpacing] == [0.4, 0.4]
    assert list(dataset.PatientOrientation) == ["L", "F"]
    pixels = dataset.pixel_array.astype(float)
    rows, columns = pixels.shape
    spine = pixels[rows // 3 : rows // 2, columns // 2 - 10 : columns // 2 + 10].mean()
    right_lung = pixels[rows // 3 : rows // 2, int(columns * 0.28) : int(columns * 0.34)].mean()
    outside = pixels[rows // 2, :20].mean()
    # MONOCHROME1: low values display white, so bone < lung < air (which displays black).
    assert spine < right_lung < outside


def test_demo_mr_is_sagittal_with_bright_white_matter_and_dark_ventricles(demo_folder: Path) -> None:
    datasets = read_study(demo_folder, HEAD_MR.key, header_only=False)
    orientation = np.array(datasets[0].ImageOrientationPatient, dtype=float)
    assert abs(np.cross(orientation[:3], orientation[3:])[0]) == pytest.approx(1.0)
    middle = min(datasets, key=lambda ds: abs(float(ds.ImagePositionPatient[0]) - 11.0))  # through a lateral ventricle
    image = middle.pixel_array.astype(float)
    spacing = float(middle.PixelSpacing[0])
    origin = np.array(middle.ImagePositionPatient, dtype=float)

    def value_at(y: float, z: float) -> float:
        row, column = round((origin[2] - z) / spacing), round((y - origin[1]) / spacing)
        return float(image[row - 1 : row + 2, column - 1 : column + 2].mean())

    assert value_at(2.0, 16.0) < (CSF + WHITE_MATTER) / 2 < value_at(-40.0, 40.0)


def test_demo_data_command_imports_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo-data", "--output", str(tmp_path), "--import"]) == 0
    first = capsys.readouterr().out
    assert main(["demo-data", "--output", str(tmp_path), "--import"]) == 0
    second = capsys.readouterr().out
    files = sum(1 for _ in tmp_path.rglob("*.dcm"))
    assert f"imported: {files}, duplicates: 0" in first
    assert f"imported: 0, duplicates: {files}" in second


def test_demo_ct_scout_is_a_coronal_localizer_covering_the_slices(demo_folder: Path) -> None:
    datasets = read_study(demo_folder, CHEST_CT_CURRENT.key, header_only=False)
    (scout,) = [ds for ds in datasets if "LOCALIZER" in ds.ImageType]
    axial = [ds for ds in datasets if "AXIAL" in ds.ImageType]
    assert scout.SeriesInstanceUID != axial[0].SeriesInstanceUID
    assert scout.FrameOfReferenceUID == axial[0].FrameOfReferenceUID
    assert [float(v) for v in scout.ImageOrientationPatient] == [1, 0, 0, 0, 0, -1]
    top = float(scout.ImagePositionPatient[2])
    bottom = top - float(scout.PixelSpacing[0]) * (scout.Rows - 1)
    slice_z = [float(ds.ImagePositionPatient[2]) for ds in axial]
    assert bottom < min(slice_z) and max(slice_z) < top
    # The projection is brighter (more attenuating) through the spine than through a lung.
    image = scout.pixel_array.astype(float)
    row = round((top - 0.0) / float(scout.PixelSpacing[0]))
    centre = scout.Columns // 2
    lung_column = centre + round(ChestAnatomy().right_lung_centre[0] / float(scout.PixelSpacing[1]))
    assert image[row, centre] > image[row, lung_column] > image[row, 5]


def test_a_complete_current_copy_is_kept_not_rewritten(tmp_path: Path) -> None:
    first = write_demo_studies(tmp_path, studies=(HEAD_MR,))
    written_at = {path: path.stat().st_mtime_ns for path in first.paths}
    again = write_demo_studies(tmp_path, studies=(HEAD_MR,))
    assert again.paths == first.paths
    assert {path: path.stat().st_mtime_ns for path in again.paths} == written_at


def test_a_missing_file_a_forced_run_or_another_generator_rewrites(tmp_path: Path) -> None:
    first = write_demo_studies(tmp_path, studies=(HEAD_MR,))
    first.paths[3].unlink()
    assert write_demo_studies(tmp_path, studies=(HEAD_MR,)).paths[3].is_file()

    written_at = first.paths[0].stat().st_mtime_ns
    write_demo_studies(tmp_path, studies=(HEAD_MR,), force=True)
    assert first.paths[0].stat().st_mtime_ns > written_at

    stamp = tmp_path / generate.STAMP_NAME
    stamp.write_text(stamp.read_text().replace('"generator": "', '"generator": "older-'))
    written_at = first.paths[0].stat().st_mtime_ns
    write_demo_studies(tmp_path, studies=(HEAD_MR,))
    assert first.paths[0].stat().st_mtime_ns > written_at
