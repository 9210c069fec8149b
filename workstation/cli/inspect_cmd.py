"""``workstation inspect PATH... [--json]``: what the workstation makes of some DICOM files, from headers only.

Per series: patient ID, study and series UIDs, modality, instance and frame counts, the display sets
it splits into, and for volumes their geometry in ITK conventions (size, spacing, origin, direction),
so it can be compared with SimpleITK or dcm2niix. Unreadable files are listed, never fatal.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from workstation.dicom.displaysets import VOLUME, DisplaySet, display_sets
from workstation.dicom.model import Patient, Series, dicom_files, read_patients
from workstation.volume.volume import affine_direction, affine_origin, affine_spacing

log = logging.getLogger(__name__)

_SHOWN_PHASE_VALUES = 20


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "inspect", help="list the series, display sets and volume geometry of DICOM files and folders"
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="DICOM files or folders (read recursively)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    logging.captureWarnings(True)  # pydicom's complaints about odd values go to the log, not the output
    files: list[Path] = []
    empty_folders: list[Path] = []
    for given in args.paths:
        found = dicom_files([given])
        files.extend(found)
        if Path(given).is_dir() and not found:
            empty_folders.append(Path(given))
    patients, errors = read_patients(files)
    problems = [{"path": str(error.path), "problem": error.problem} for error in errors]
    problems.extend({"path": str(folder), "problem": "no DICOM files found in this folder"} for folder in empty_folders)
    series_reports = [_series_report(patient, series) for patient in patients for series in patient.all_series()]
    report = {"series": series_reports, "errors": problems}
    log.info("inspect: %d series, %d unreadable files", len(report["series"]), len(problems))
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        print()
    else:
        _print_text(report)
    return 1 if problems else 0


def _series_report(patient: Patient, series: Series) -> dict:
    study = next(study for study in patient.studies if series in study.series)
    sets = display_sets(series)
    report: dict = {
        "patient_id": patient.patient_id,
        "study_instance_uid": study.study_instance_uid,
        "series_instance_uid": series.series_instance_uid,
        "series_number": series.series_number,
        "series_description": series.series_description,
        "modality": series.modality,
        "instances": len(series.instances),
        "frames": sum(instance.number_of_frames for instance in series.instances),
    }
    volume = next((display_set for display_set in sets if display_set.kind == VOLUME), None)
    if volume is not None:
        report.update(_geometry(volume))
    report["display_sets"] = [_display_set_report(display_set) for display_set in sets]
    warnings = [warning for display_set in sets for warning in display_set.warnings] or series.warnings
    report["warnings"] = list(dict.fromkeys(warnings))
    return report


def _display_set_report(display_set: DisplaySet) -> dict:
    report: dict = {"label": display_set.label, "kind": display_set.kind, "frames": len(display_set.frames)}
    if display_set.phase_key:
        values = [phase.value for phase in display_set.phases]
        report.update(
            phases=len(values), phase_key=display_set.phase_key, phase_values=_jsonable(values[:_SHOWN_PHASE_VALUES])
        )
    if display_set.phases[0].affine is not None:
        report.update(_geometry(display_set))
    report["warnings"] = list(display_set.warnings)
    return report


def _geometry(display_set: DisplaySet) -> dict:
    """ITK conventions: size (columns, rows, slices), spacing mm, origin of the first voxel, direction row-major."""
    phase = display_set.phases[0]
    return {
        "size": [display_set.columns, display_set.rows, len(phase.slices)],
        "spacing": [round(value, 6) for value in affine_spacing(phase.affine)],
        "origin": [round(value, 6) for value in affine_origin(phase.affine)],
        "direction": [round(value, 9) for value in affine_direction(phase.affine)],
    }


def _jsonable(value: object) -> object:
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _print_text(report: dict) -> None:
    for series in report["series"]:
        print(
            f"Series {series['series_instance_uid']} ({series['modality']}"
            f"{', #' + str(series['series_number']) if series['series_number'] is not None else ''}"
            f"{', ' + series['series_description'] if series['series_description'] else ''})"
        )
        print(f"  patient ID {series['patient_id']}, study {series['study_instance_uid']}")
        print(f"  {series['instances']} instances, {series['frames']} frames")
        for display_set in series["display_sets"]:
            phases = ""
            if "phase_key" in display_set:
                phases = f", {display_set['phases']} phases by {display_set['phase_key']}"
            label, kind, frames = display_set["label"], display_set["kind"], display_set["frames"]
            print(f"  display set '{label}': {kind}, {frames} frames{phases}")
            if display_set["kind"] == VOLUME:
                print(f"    size {display_set['size']}  spacing {_numbers(display_set['spacing'])}")
                print(f"    origin {_numbers(display_set['origin'])}  direction {_numbers(display_set['direction'])}")
        for warning in series["warnings"]:
            print(f"  warning: {warning}")
    if report["errors"]:
        print(f"{len(report['errors'])} file(s) could not be read:")
        for error in report["errors"]:
            print(f"  {error['path']}: {error['problem']}")


def _numbers(values: list[float]) -> str:
    return "[" + ", ".join(f"{value:.6g}" for value in values) + "]"
