"""Command line: ``workstation [COMMAND] ...``; without a command it opens the main window.

Each sub-command lives in its own module exposing ``register(subparsers)``, which adds a parser whose
``func(args) -> int`` runs it. Exit codes: 0 success, 1 partial failure, 2 bad usage.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from workstation import __version__
from workstation.core.errors import WorkstationError
from workstation.core.logs import configure_logging
from workstation.settings.home import log_folder

COMMAND_MODULES = (
    "workstation.cli.open_window",
    "workstation.cli.selftest_cmd",
    "workstation.cli.archive_cmd",
    "workstation.cli.demo_cmd",
    "workstation.cli.inspect_cmd",
    "workstation.cli.query_cmd",
    "workstation.cli.retrieve_cmd",
    "workstation.cli.pacs_cmd",
    "workstation.cli.worklist_cmd",
    "workstation.cli.hang_cmd",
    "workstation.cli.dictation_cmd",
    "workstation.cli.user_cmd",
    "workstation.cli.exam_cmd",
    "workstation.cli.audit_cmd",
    "workstation.cli.keyword_cmd",
    "workstation.cli.export_cmd",
    "workstation.cli.profile_cmd",
)

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workstation", description="Diagnostic reading workstation")
    parser.add_argument("--version", action="version", version=f"workstation {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details on stderr")
    parser.add_argument("--selftest", action="store_true", help="same as the selftest command")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(log_folder(), verbose=args.verbose)
    if args.selftest:
        args = parser.parse_args(["selftest"])
    elif args.command is None:
        args = parser.parse_args([*argv, "open"])
    try:
        return args.func(args)
    except WorkstationError as error:
        log.error("%s", error)
        print(f"workstation: {error}", file=sys.stderr)
        return 1
