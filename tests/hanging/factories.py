"""Synthetic studies for hanging tests, written with pydicom (no mammography or multi-sequence MR brain is in
../shared/dicom): a screening mammogram (4 views, one series each, as many vendors store them) and an MR
brain series set (localizer, sagittal T1 volume, axial T2, FLAIR, DWI, ADC) with correct geometry and UIDs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    DigitalMammographyXRayImageStorageForPresentation, ExplicitVRLittleEndian, MRImageStorage, generate_uid,
)

ISSUER = "TEST-HOSPITAL"


@dataclass(frozen=True)
class SyntheticStudy:
    study_instance_uid: str
    series: dict[str, str]  # label -> series instance UID


def _base(folder: Path, sop_class: str, patient_id: str, study_uid: str, study_date: str, description: str,
          series_uid: str, series_number: int, series_description: str, modality: str, number: int) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.PatientID = patient_id
    ds.IssuerOfPatientID = ISSUER
    ds.PatientName = "Synthetic^Patient"
    ds.StudyInstanceUID = study_uid
    ds.StudyDate = study_date
    ds.StudyTime = "090000"
    ds.StudyDescription = description
    ds.AccessionNumber = study_uid[-8:]
    ds.SeriesInstanceUID = series_uid
    ds.SeriesNumber = series_number
    ds.SeriesDescription = series_description
    ds.Modality = modality
    ds.InstanceNumber = number
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    return ds


def _write(ds: Dataset, folder: Path, rows: int, columns: int) -> None:
    ds.Rows, ds.Columns = rows, columns
    ds.PixelData = (np.arange(rows * columns, dtype=np.uint16).reshape(rows, columns) % 4000).tobytes()
    folder.mkdir(parents=True, exist_ok=True)
    ds.save_as(folder / f"{ds.SOPInstanceUID}.dcm", enforce_file_format=True)


def write_mammogram(folder: Path, patient_id: str, study_date: str, views=("RCC", "LCC", "RMLO", "LMLO")
                    ) -> SyntheticStudy:
    study_uid = generate_uid()
    series = {}
    for number, view in enumerate(views, start=1):
        series_uid = series[view] = generate_uid()
        ds = _base(folder, DigitalMammographyXRayImageStorageForPresentation, patient_id, study_uid, study_date,
                   "MG SCREENING BILATERAL", series_uid, number, f"{view[0]} {view[1:]}", "MG", 1)
        ds.ImageLaterality = view[0]
        ds.ViewPosition = view[1:]
        ds.BodyPartExamined = "BREAST"
        ds.PresentationIntentType = "FOR PRESENTATION"
        ds.ImagerPixelSpacing = [0.1, 0.1]
        _write(ds, folder / study_uid, 48, 32)
    return SyntheticStudy(study_uid, series)


_AXIAL = [1, 0, 0, 0, 1, 0]
_SAGITTAL = [0, 1, 0, 0, 0, -1]
_CORONAL = [1, 0, 0, 0, 0, -1]


def write_mr_brain(folder: Path, patient_id: str, study_date: str, with_flair: bool = True) -> SyntheticStudy:
    study_uid = generate_uid()
    frame_of_reference = generate_uid()
    plan = [
        ("localizer", "localizer", _CORONAL, 1, ("ORIGINAL", "PRIMARY", "LOCALIZER")),
        ("T1", "t1_mprage_sag_p2_iso", _SAGITTAL, 6, ("ORIGINAL", "PRIMARY", "M", "ND")),
        ("T2", "t2_tse_tra_p2", _AXIAL, 5, ("ORIGINAL", "PRIMARY", "M", "ND")),
        ("FLAIR", "t2_tirm_tra_dark-fluid", _AXIAL, 5, ("ORIGINAL", "PRIMARY", "M", "ND")),
        ("DWI", "ep2d_diff_tra_TRACEW", _AXIAL, 5, ("DERIVED", "PRIMARY", "DIFFUSION", "TRACEW")),
        ("ADC", "ep2d_diff_tra_ADC", _AXIAL, 5, ("DERIVED", "PRIMARY", "DIFFUSION", "ADC")),
    ]
    if not with_flair:
        plan = [entry for entry in plan if entry[0] != "FLAIR"]
    series = {}
    for number, (label, description, orientation, count, image_type) in enumerate(plan, start=1):
        series_uid = series[label] = generate_uid()
        row, column = np.array(orientation[:3], float), np.array(orientation[3:], float)
        normal = np.cross(row, column)
        for index in range(count):
            ds = _base(folder, MRImageStorage, patient_id, study_uid, study_date, "MR BRAIN WO CONTRAST",
                       series_uid, number, description, "MR", index + 1)
            ds.FrameOfReferenceUID = frame_of_reference
            ds.ImageType = list(image_type)
            ds.BodyPartExamined = "BRAIN"
            ds.ImageOrientationPatient = [float(v) for v in orientation]
            ds.ImagePositionPatient = [float(v) for v in (-60 * row - 60 * column + (index * 4.0 - 10) * normal)]
            ds.PixelSpacing = [2.0, 2.0]
            ds.SliceThickness = 4.0
            _write(ds, folder / study_uid, 60, 60)
    return SyntheticStudy(study_uid, series)
