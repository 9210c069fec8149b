"""``workstation export DEST (--study UID... | --keyword K) [--form folder|zip|dicomdir] [--identified]``.

De-identified by default (PS3.15 Basic Profile, UIDs remapped and dates shifted consistently per station);
``--identified`` copies the files unchanged (needs the export right). Every export is audited.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pydicom.errors import InvalidDicomError

from workstation.archive import Archive
from workstation.cli.authentication import add_user_option, command_user
from workstation.core.stored_file import dcmread_stored
from workstation.security.audit.messages import PatientRef
from workstation.security.deidentify import DeidentificationKey, export_deidentified
from workstation.security.errors import SecurityError
from workstation.security.keywords import KeywordTag
from workstation.security.roles import Permission


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("export", help="export studies or keyword-tagged images, de-identified by default")
    parser.add_argument("destination", type=Path, metavar="DEST", help="a folder (or the .zip file with --form zip)")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--study", nargs="+", metavar="UID", help="Study Instance UIDs in the local archive")
    what.add_argument("--keyword", help="every exam, series and image tagged with this keyword that you may see")
    parser.add_argument("--form", choices=("folder", "zip", "dicomdir"), default="folder")
    parser.add_argument("--identified", action="store_true", help="copy unchanged, with patient data (folder only)")
    add_user_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    signed = command_user(args, Permission.EXPORT)
    policy = signed.security.policy
    if args.keyword:
        tags = policy.visible(signed.user, signed.security.keywords.tags(signed.name, keyword=args.keyword),
                              lambda tag: tag.study_instance_uid)
        if not tags:
            raise SecurityError(f"Nothing tagged {args.keyword!r} that you may see.")
    else:
        for uid in args.study:
            policy.require_access(signed.user, uid)
        tags = [KeywordTag("", uid, "", "", signed.name, True) for uid in args.study]
    with Archive.open_default() as archive:
        studies = {uid: archive.study(uid) for uid in dict.fromkeys(tag.study_instance_uid for tag in tags)}
        patients = tuple({PatientRef(s.patient_id, s.patient_name) for s in studies.values()})
        if args.identified:
            if args.form != "folder":
                raise SecurityError("--identified copies the files unchanged into a folder; drop --form.")
            count = sum(archive.export_study(uid, args.destination) for uid in studies)
            skipped: list = []
        else:
            paths = _tagged_paths(archive, tags)
            report = export_deidentified(paths, args.destination, DeidentificationKey.for_station(), args.form)
            count, skipped = report.written, report.skipped
    signed.security.trail.record(signed.security.trail.messages.data_export(
        signed.name, patients, tuple(studies), f"{args.form}:{args.destination}"
        + ("" if args.identified else " (de-identified)")))
    print(f"exported {count} images {'with' if args.identified else 'without'} patient data to {args.destination}")
    for path, why in skipped:
        print(f"skipped {path.name}: {why}")
    return 1 if skipped else 0


def _tagged_paths(archive: Archive, tags: list[KeywordTag]) -> list[Path]:
    paths: dict[Path, None] = {}
    for tag in tags:
        series = [tag.series_instance_uid] if tag.series_instance_uid else \
            [s.series_instance_uid for s in archive.series(tag.study_instance_uid)]
        for series_uid in series:
            for path in archive.instance_paths(series_uid):
                if not tag.sop_instance_uid or _sop_instance_uid(path) == tag.sop_instance_uid:
                    paths[path] = None
    return list(paths)


def _sop_instance_uid(path: Path) -> str:
    try:
        return str(dcmread_stored(path, stop_before_pixels=True, specific_tags=["SOPInstanceUID"]).SOPInstanceUID)
    except (OSError, InvalidDicomError, AttributeError):
        return ""
