"""``workstation profile export FILE`` / ``import FILE``: move a user's settings to another station."""

from __future__ import annotations

import argparse
from pathlib import Path

from workstation.security.profile import export_profile, import_profile


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("profile", help="export/import your profile (protocols, keymap, presets, "
                                                   "worklist filters, report macros)")
    actions = parser.add_subparsers(dest="profile_command", metavar="ACTION", required=True)
    exporter = actions.add_parser("export", help="write the profile to a ZIP file")
    exporter.add_argument("file", type=Path)
    exporter.set_defaults(func=run_export)
    importer = actions.add_parser("import", help="take a profile ZIP written on another station")
    importer.add_argument("file", type=Path)
    importer.set_defaults(func=run_import)


def run_export(args: argparse.Namespace) -> int:
    paths = export_profile(args.file)
    print(f"exported {len(paths)} profile files to {args.file}")
    for path in paths:
        print(f"  {path.as_posix()}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    paths = import_profile(args.file)
    print(f"imported {len(paths)} profile files")
    for path in paths:
        print(f"  {path.as_posix()}")
    return 0
