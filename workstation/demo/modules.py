"""The DICOM modules every demo instance shares (SOP common, patient, study, series, equipment, image
pixel, image plane), filled from the catalog so prior and current differ only where real ones do."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filewriter import dcmwrite
from pydicom.uid import ExplicitVRLittleEndian, UID

from workstation import __version__
from workstation.demo.catalog import INSTITUTION_NAME, ISSUER_OF_PATIENT_ID, DemoStudy
from workstation.demo.uids import demo_uid

IMPLEMENTATION_CLASS_UID = demo_uid("implementation")
IMPLEMENTATION_VERSION_NAME = f"WS_{__version__}"[:16]


@dataclass(frozen=True)
class DemoSeries:
    study: DemoStudy
    series_number: int
    modality: str
    series_description: str
    sop_class_uid: str

    @property
    def study_instance_uid(self) -> UID:
        return demo_uid(self.study.key, "study")

    @property
    def series_instance_uid(self) -> UID:
        return demo_uid(self.study.key, "series", str(self.series_number))

    @property
    def frame_of_reference_uid(self) -> UID:
        """One per study: a prior and its current never share a patient coordinate system."""
        return demo_uid(self.study.key, "frame-of-reference")

    def sop_instance_uid(self, instance_number: int) -> UID:
        return demo_uid(self.study.key, "series", str(self.series_number), "instance", str(instance_number))

    def folder(self, root: Path) -> Path:
        return root / self.study.key / f"series-{self.series_number:03d}"


def instance_dataset(series: DemoSeries, instance_number: int, image_type: list[str]) -> Dataset:
    """A dataset with file meta and the modules that do not depend on the modality."""
    study = series.study
    dataset = Dataset()
    dataset.file_meta = FileMetaDataset()
    dataset.file_meta.MediaStorageSOPClassUID = series.sop_class_uid
    dataset.file_meta.MediaStorageSOPInstanceUID = series.sop_instance_uid(instance_number)
    dataset.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    dataset.file_meta.ImplementationClassUID = IMPLEMENTATION_CLASS_UID
    dataset.file_meta.ImplementationVersionName = IMPLEMENTATION_VERSION_NAME

    dataset.SpecificCharacterSet = "ISO_IR 100"
    dataset.ImageType = image_type
    dataset.InstanceCreationDate = study.study_date
    dataset.InstanceCreationTime = study.study_time
    dataset.SOPClassUID = series.sop_class_uid
    dataset.SOPInstanceUID = series.sop_instance_uid(instance_number)
    dataset.StudyDate = dataset.SeriesDate = dataset.ContentDate = study.study_date
    dataset.StudyTime = dataset.SeriesTime = dataset.ContentTime = study.study_time
    dataset.AccessionNumber = study.accession_number
    dataset.Modality = series.modality
    dataset.Manufacturer = "Workstation demo phantom"
    dataset.InstitutionName = INSTITUTION_NAME
    dataset.ReferringPhysicianName = "Referrer^Demo"
    dataset.StudyDescription = study.study_description
    dataset.SeriesDescription = series.series_description
    dataset.ManufacturerModelName = "Synthetic"
    dataset.PatientName = study.patient.patient_name
    dataset.PatientID = study.patient.patient_id
    dataset.IssuerOfPatientID = ISSUER_OF_PATIENT_ID
    dataset.PatientBirthDate = study.patient.birth_date
    dataset.PatientSex = study.patient.sex
    dataset.PatientAge = f"{int(study.study_date[:4]) - int(study.patient.birth_date[:4]):03d}Y"
    dataset.BodyPartExamined = study.body_part_examined
    dataset.DeviceSerialNumber = "DEMO-1"
    dataset.SoftwareVersions = __version__
    dataset.StudyInstanceUID = series.study_instance_uid
    dataset.SeriesInstanceUID = series.series_instance_uid
    dataset.StudyID = study.study_id
    dataset.SeriesNumber = series.series_number
    dataset.InstanceNumber = instance_number
    return dataset


def set_frame_of_reference(dataset: Dataset, series: DemoSeries) -> None:
    dataset.FrameOfReferenceUID = series.frame_of_reference_uid
    dataset.PositionReferenceIndicator = ""


def set_image_plane(
    dataset: Dataset,
    position: np.ndarray,
    orientation: tuple[float, ...],
    pixel_spacing: tuple[float, float],
    slice_thickness: float | None,
) -> None:
    """Image Plane module; ``pixel_spacing`` is (row spacing, column spacing) as DICOM orders it; a
    projection (localizer) has no slice thickness."""
    dataset.ImagePositionPatient = [_decimal(v) for v in position]
    dataset.ImageOrientationPatient = [_decimal(v) for v in orientation]
    dataset.PixelSpacing = [_decimal(v) for v in pixel_spacing]
    dataset.SliceThickness = "" if slice_thickness is None else _decimal(slice_thickness)
    normal = np.cross(orientation[:3], orientation[3:])
    dataset.SliceLocation = _decimal(float(np.dot(normal, position)))


def set_pixel_data(dataset: Dataset, pixels: np.ndarray, photometric_interpretation: str, bits_stored: int) -> None:
    """Image Pixel module for one grey frame of (u)int16 values, little endian."""
    if pixels.dtype not in (np.uint16, np.int16) or pixels.ndim != 2:
        raise ValueError(f"expected one 2D 16-bit frame, got {pixels.dtype} {pixels.shape}")
    dataset.SamplesPerPixel = 1
    dataset.PhotometricInterpretation = photometric_interpretation
    dataset.Rows, dataset.Columns = pixels.shape
    dataset.BitsAllocated = 16
    dataset.BitsStored = bits_stored
    dataset.HighBit = bits_stored - 1
    dataset.PixelRepresentation = 1 if pixels.dtype == np.int16 else 0
    dataset.PixelData = np.ascontiguousarray(pixels, dtype=pixels.dtype.newbyteorder("<")).tobytes()


def set_window_presets(dataset: Dataset, presets: list[tuple[str, float, float]]) -> None:
    """VOI LUT module: (explanation, centre, width) presets, the first one shown by default."""
    dataset.WindowCenter = [_decimal(centre) for _, centre, _ in presets]
    dataset.WindowWidth = [_decimal(width) for _, _, width in presets]
    dataset.WindowCenterWidthExplanation = [name for name, _, _ in presets]


def write_part10(dataset: Dataset, path: Path) -> None:
    """Write the file atomically (temporary file, then rename), so an interrupted run leaves no half file."""
    buffer = io.BytesIO()
    dcmwrite(buffer, dataset, enforce_file_format=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".partial")
    temporary.write_bytes(buffer.getvalue())
    os.replace(temporary, path)


def _decimal(value: float) -> str:
    """A DS string that is the same on every platform (at most 16 characters)."""
    text = f"{float(value):.6g}"
    return "0" if text == "-0" else text
