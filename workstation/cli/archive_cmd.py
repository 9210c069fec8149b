"""``workstation import PATH...`` and ``workstation archive list|export|encrypt|decrypt``: the local archive from a shell."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Callable
from pathlib import Path

from workstation.archive import Archive, ImportReport, StudyRecord
from workstation.cli.authentication import add_user_option, command_user
from workstation.security.audit.messages import PatientRef
from workstation.security.roles import Permission


def register(subparsers: argparse._SubParsersAction) -> None:
    importer = subparsers.add_parser(
        "import", help="import DICOM files, folders or DICOMDIRs into the local archive"
    )
    importer.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="a file, a folder or a DICOMDIR")
    importer.set_defaults(func=run_import)

    archive = subparsers.add_parser("archive", help="look into the local archive")
    actions = archive.add_subparsers(dest="archive_command", metavar="ACTION", required=True)
    lister = actions.add_parser("list", help="patients, studies and series with instance counts")
    lister.add_argument("--json", action="store_true", help="print JSON for scripts")
    add_user_option(lister)
    lister.set_defaults(func=run_list)
    exporter = actions.add_parser("export", help="copy a study's DICOM files, unchanged, to a folder")
    exporter.add_argument("--study", required=True, metavar="UID", help="Study Instance UID")
    exporter.add_argument("destination", type=Path, metavar="DIR")
    add_user_option(exporter)
    exporter.set_defaults(func=run_export)
    for action, what in (("encrypt", "encrypt the files stored before encrypt_cache was set in security.json"),
                         ("decrypt", "decrypt the cache's files after encrypt_cache was turned off")):
        converter = actions.add_parser(action, help=what)
        add_user_option(converter)
        converter.set_defaults(func=run_convert, encrypt=action == "encrypt")


def run_import(args: argparse.Namespace) -> int:
    with Archive.open_default() as archive:
        report = archive.import_paths(args.paths)
    print_import_report(report)
    return 1 if report.problems else 0


def print_import_report(report: ImportReport) -> None:
    print(f"imported: {report.imported}, duplicates: {report.duplicates}, failed: {len(report.problems)}")
    if report.skipped:
        print(f"skipped {len(report.skipped)} files that are not DICOM")
    for path, warning in report.warnings:
        print(f"warning: {path}: {warning}")
    for path, problem in report.problems:
        print(f"failed: {path}: {problem}", file=sys.stderr)


def run_list(args: argparse.Namespace) -> int:
    signed = command_user(args)
    with Archive.open_default() as archive:
        tree = archive_tree(archive, lambda studies: signed.security.policy.visible_studies(signed.user, studies))
        if archive.lost_key_message:
            print(f"warning: {archive.lost_key_message}", file=sys.stderr)
    signed.security.trail.record(signed.security.trail.messages.query(signed.name, "archive list"))
    if args.json:
        print(json.dumps({"patients": tree}, indent=2))
        return 0
    if not tree:
        print("The local archive is empty. Add studies with `workstation import PATH`.")
    for patient in tree:
        print(f"{patient['patient_name'] or '(no name)'}  ID {patient['patient_id'] or '(none)'}"
              f"  born {patient['birth_date'] or '-'}  sex {patient['sex'] or '-'}")
        for study in patient["studies"]:
            print(f"  {study['study_date'] or '--------'}  {'/'.join(study['modalities']) or '-'}"
                  f"  {study['study_description'] or '(no description)'}  {study['instance_count']} images"
                  f"  {'read' if study['read'] else 'unread'}  {study['study_instance_uid']}")
            for series in study["series"]:
                number = "-" if series["series_number"] is None else series["series_number"]
                print(f"    #{number}  {series['modality'] or '-'}"
                      f"  {series['series_description'] or '(no description)'}  {series['instance_count']} images")
    return 0


def archive_tree(archive: Archive, visible: Callable[[list[StudyRecord]], list[StudyRecord]] | None = None) -> list[dict]:
    """Patients with their studies, each with its series, as plain data (for JSON and the text listing).
    ``visible`` keeps the studies the user may see; a patient with none left is not listed."""
    tree = []
    for patient in archive.patients():
        studies = [
            study for study in archive.studies(patient.patient_id)
            if study.issuer_of_patient_id == patient.issuer_of_patient_id
        ]
        if visible is not None:
            studies = visible(studies)
            if not studies:
                continue
            patient = dataclasses.replace(patient, study_count=len(studies))
        tree.append({
            **dataclasses.asdict(patient),
            "studies": [
                {**dataclasses.asdict(study),
                 "series": [dataclasses.asdict(series) for series in archive.series(study.study_instance_uid)]}
                for study in studies
            ],
        })
    return tree


def run_export(args: argparse.Namespace) -> int:
    signed = command_user(args, Permission.EXPORT)
    signed.security.policy.require_access(signed.user, args.study)
    with Archive.open_default() as archive:
        study = archive.study(args.study)
        count = archive.export_study(args.study, args.destination)
    signed.security.trail.record(signed.security.trail.messages.data_export(
        signed.name, (PatientRef(study.patient_id, study.patient_name),), (args.study,), f"folder:{args.destination}"))
    print(f"exported {count} files to {args.destination}")
    return 0


def run_convert(args: argparse.Namespace) -> int:
    """Encrypt or decrypt every stored file in place (crash-safe per file); an administrator's task."""
    command_user(args, Permission.ADMINISTER)
    with Archive.open_default() as archive:
        changed = archive.convert_files(args.encrypt)
    print(f"{'encrypted' if args.encrypt else 'decrypted'} {changed} files of the local cache")
    return 0
