"""``workstation open [PATH | --study UID] [--layout 2x2] [--mpr] [--screenshot FILE]``: the main window.

Without PATH or --study it shows the study list (also what ``workstation`` alone does); with one of them it
opens the reading screen on those images (a study comes with its most recent prior).
"""

from __future__ import annotations

import argparse
import os
import sys

from workstation.archive import Archive
from workstation.cli.authentication import add_user_option, command_user
from workstation.security.audit.messages import PatientRef


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("open", help="open the workstation window (on files or a study to read)")
    parser.add_argument("paths", nargs="*", metavar="PATH", help="DICOM files or folders to read")
    parser.add_argument("--study", metavar="UID", help="Study Instance UID of an archived study to read")
    parser.add_argument("--layout", help="viewport layout, e.g. 1x1, 1x2, 2x2, 1+2 (default: the study's hanging "
                        "protocol, or 1x1 for files)")
    parser.add_argument("--mpr", action="store_true", help="open MPR of the first series once loaded")
    parser.add_argument("--screenshot", metavar="FILE",
                        help="save the window as PNG once the first full render is done, then exit")
    add_user_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.paths and args.study:
        print("workstation open: give either PATH or --study, not both.", file=sys.stderr)
        return 2
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        print(
            "workstation: no display found (DISPLAY and WAYLAND_DISPLAY are unset). "
            "Run it from a desktop session, or under a virtual one: xvfb-run -a workstation",
            file=sys.stderr,
        )
        return 2
    if not args.paths and not args.study:
        if args.mpr or args.layout:
            print("workstation open: --layout and --mpr need PATH or --study.", file=sys.stderr)
            return 2
        from workstation._qt.app import run_application

        return run_application(screenshot=args.screenshot)
    signed = command_user(args)  # the window's own login is skipped: the command line signed in already
    if args.study:
        signed.security.policy.require_access(signed.user, args.study)
        with Archive.open_default() as archive:
            study = archive.study(args.study)
        signed.security.trail.record(signed.security.trail.messages.instances_accessed(
            signed.name, (PatientRef(study.patient_id, study.patient_name),), (args.study,)))
    from workstation._qt.reading.reading_app import run_reading

    return run_reading(args.paths, args.study, args.layout, args.mpr, args.screenshot, user=signed.user)
