"""From DICOM files to ImageStacks: headers first (fast, so the screen can open), pixels one by one.

Grouping into display sets and ordering along the slice normal are the geometry helper's
(``workstation.dicom.displaysets``); this module adds what 2D reading needs on top: per-image planes with
the meaning of their spacing, overlay labels, header windows, and decoding of one image at a time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset

from workstation.core.errors import DicomReadError
from workstation.dicom.color import display_rgb, is_colour
from workstation.dicom.displaysets import display_sets
from workstation.dicom.model import build_patients, dicom_files, instance_from_dataset
from workstation.dicom.pixels import decode_frame, modality_values
from workstation.dicom.presentation import is_inverted
from workstation.dicom.reading import read_dataset
from workstation.dicom.voi import header_window_presets
from workstation.viewer.image_plane import plane_from_dataset
from workstation.viewer.image_stack import ImageSource, ImageStack, StackLabels

log = logging.getLogger(__name__)


def _text(dataset: Dataset, keyword: str) -> str:
    value = dataset.get(keyword, "")
    return "" if value is None else str(value).replace("^", " ").strip()


def stack_labels(dataset: Dataset) -> StackLabels:
    return StackLabels(**{name: _text(dataset, keyword) for name, keyword in (
        ("patient_name", "PatientName"), ("patient_id", "PatientID"), ("patient_birth_date", "PatientBirthDate"),
        ("patient_sex", "PatientSex"), ("study_date", "StudyDate"), ("study_description", "StudyDescription"),
        ("accession_number", "AccessionNumber"), ("institution_name", "InstitutionName"),
        ("series_number", "SeriesNumber"), ("series_description", "SeriesDescription"), ("modality", "Modality"),
    )})


def value_unit(dataset: Dataset) -> str:
    """HU for CT; PET's Units (e.g. BQML); otherwise the values have no named unit."""
    modality = _text(dataset, "Modality").upper()
    if modality == "CT":
        return "HU"
    if modality == "PT":
        return _text(dataset, "Units")
    return ""


def stacks_from_files(paths: Iterable[str | Path]) -> tuple[list[ImageStack], list[str]]:
    """Read headers only and return one stack per display set (and per phase of a 4D one).

    Each patient's newest study is the current one and comes first; the patient's older studies are
    flagged as priors and follow, newest first.
    Unreadable files are returned as messages (file and problem), never raised.
    """
    problems: list[str] = []
    headers: dict[Path, Dataset] = {}
    instances = []
    for path in dicom_files(paths):
        try:
            dataset = read_dataset(path, header_only=True)
            instances.append((instance_from_dataset(path, dataset), dataset))
            headers[Path(path)] = dataset
        except DicomReadError as error:
            log.warning("skipping %s", error)
            problems.append(str(error))
    patients = build_patients(instances)
    newest = {id(patient): max(patient.studies, key=lambda study: study.study_date) for patient in patients}
    current = [newest[id(patient)] for patient in patients]
    priors = sorted((study for patient in patients for study in patient.studies if study is not newest[id(patient)]),
                    key=lambda study: study.study_date, reverse=True)
    studies = [(study, False) for study in current] + [(study, True) for study in priors]
    stacks: list[ImageStack] = []
    for study, is_prior in studies:
        for series in study.series:
            for set_index, display_set in enumerate(display_sets(series)):
                problems.extend(f"{display_set.label}: {warning}" for warning in display_set.warnings)
                for phase_index, phase in enumerate(display_set.phases):
                    frames = _reading_order(phase.frames)
                    if not frames:
                        continue
                    first, middle = headers[frames[0].instance.path], frames[len(frames) // 2]
                    suffix = f" [{display_set.phase_key} {phase.value}]" if len(display_set.phases) > 1 else ""
                    stacks.append(ImageStack(
                        uid=f"{series.series_instance_uid}/{set_index}/{phase_index}",
                        planes=[plane_from_dataset(headers[f.instance.path], f.index) for f in frames],
                        labels=stack_labels(first),
                        frame_of_reference_uid=series.frame_of_reference_uid,
                        rows=display_set.rows,
                        columns=display_set.columns,
                        value_unit=value_unit(first),
                        header_windows=_header_windows(headers[middle.instance.path]),
                        sources=[ImageSource(str(f.instance.path), f.index, f.instance.instance_number) for f in frames],
                        study_instance_uid=study.study_instance_uid,
                        is_prior=is_prior,
                        display_name=(display_set.label or series.modality) + suffix,
                        presentation_inverted=is_inverted(first),
                        display_set=display_set,
                        phase=phase_index,
                    ))
    return stacks, problems


def _reading_order(frames):
    """Geometric order, run from the end the scanner started at (the lower Instance Number): head first
    for a usual axial CT, as a reader scrolls it; without instance numbers the order along the normal."""
    numbers = [frame.instance.instance_number for frame in (frames[0], frames[-1])] if frames else []
    if len(frames) > 1 and None not in numbers and numbers[0] > numbers[1]:
        return tuple(reversed(frames))
    return tuple(frames)


def preview_stack(path: str | Path) -> ImageStack | None:
    """A decoded one-image stack of a single file, shown while the rest of the headers are read.

    None when that file is not a displayable image (the full scan reports why).
    """
    stacks, _ = stacks_from_files([path])
    if not stacks:
        return None
    decoded, problems = decode_images(stacks[0], [0])
    if not decoded:
        return None
    stacks[0].set_pixels(0, decoded[0][1])
    return stacks[0]


def _header_windows(dataset: Dataset):
    """The header's windows, taken from the stack's middle image: an MR scanner windows each image on its own
    pixels, and an edge slice's window (mostly noise) would white out the rest of the stack."""
    try:
        return header_window_presets(dataset)
    except (ValueError, TypeError) as error:
        log.warning("ignoring unusable window presets in a header: %s", error)
        return []


def decode_image(source: ImageSource, dataset: Dataset | None = None) -> np.ndarray:
    """Modality values of one image (int16 when they fit, for the fast display LUT); RGB uint8 for colour.

    Raises DicomReadError naming the file when it cannot be decoded.
    """
    dataset = dataset if dataset is not None else read_dataset(source.path)
    stored = decode_frame(dataset, source.frame_index)
    if is_colour(dataset):
        return display_rgb(dataset, stored)
    values = modality_values(dataset, stored, source.frame_index)
    if values.dtype.kind in "iu" and values.dtype != np.int16 and values.dtype != np.uint16 and values.size:
        low, high = int(values.min()), int(values.max())
        if -32768 <= low and high <= 32767:
            return values.astype(np.int16)
    return values


def decode_images(stack: ImageStack, indices: Iterable[int]) -> tuple[list[tuple[int, np.ndarray]], list[str]]:
    """Decode several images of a stack (a worker's batch); one bad image is reported, the others still come."""
    return decode_sources([(index, stack.sources[index]) for index in indices])


def decode_sources(
    sources: Iterable[tuple[int, ImageSource]],
) -> tuple[list[tuple[int, np.ndarray]], list[str]]:
    """Decode numbered image sources (the part of a batch that crosses to a worker process: no stack needed)."""
    decoded, problems = [], []
    dataset, dataset_path = None, None
    for index, source in sources:
        try:
            if source.path != dataset_path:  # frames of one multi-frame file share one read
                dataset, dataset_path = read_dataset(source.path), source.path
            decoded.append((index, decode_image(source, dataset)))
        except DicomReadError as error:
            log.warning("image %d of a stack not decoded: %s", index, error)
            problems.append(str(error))
    return decoded, problems
