"""``workstation open``: the main window (also what ``workstation`` alone does)."""

from __future__ import annotations

import argparse
import os
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("open", help="open the workstation window")
    parser.add_argument("--screenshot", metavar="FILE", help="save the window as PNG once shown, then exit")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        print(
            "workstation: no display found (DISPLAY and WAYLAND_DISPLAY are unset). "
            "Run it from a desktop session, or under a virtual one: xvfb-run -a workstation",
            file=sys.stderr,
        )
        return 2
    from workstation._qt.app import run_application

    return run_application(screenshot=args.screenshot)
