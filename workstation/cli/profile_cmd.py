"""``workstation profile export FILE`` / ``import FILE``: move a user's settings to another station.

Once the station has accounts, ``--user NAME`` signs in and the command works on that user's profile."""

from __future__ import annotations

import argparse
from pathlib import Path

from workstation.cli.authentication import add_user_option, command_user
from workstation.security.profile import export_profile, import_profile
from workstation.settings.profile_folder import set_profile_user


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("profile", help="export/import your profile (protocols, keymap, presets, "
                                                   "worklist filters, report macros)")
    actions = parser.add_subparsers(dest="profile_command", metavar="ACTION", required=True)
    exporter = actions.add_parser("export", help="write the profile to a ZIP file")
    exporter.add_argument("file", type=Path)
    add_user_option(exporter)
    exporter.set_defaults(func=run_export)
    importer = actions.add_parser("import", help="take a profile ZIP written on another station")
    importer.add_argument("file", type=Path)
    add_user_option(importer)
    importer.set_defaults(func=run_import)


def _sign_in(args: argparse.Namespace) -> None:
    """The profile worked on is the signed-in user's (the station's on a single-user station)."""
    signed = command_user(args)
    set_profile_user(signed.user.name if signed.user else "")


def run_export(args: argparse.Namespace) -> int:
    _sign_in(args)
    return _listed(f"exported to {args.file}", export_profile(args.file))


def run_import(args: argparse.Namespace) -> int:
    _sign_in(args)
    return _listed("imported", import_profile(args.file))


def _listed(done: str, paths: list[Path]) -> int:
    print(f"{len(paths)} profile files {done}")
    for path in paths:
        print(f"  {path.as_posix()}")
    return 0
