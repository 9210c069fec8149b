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

# Command name -> the module that registers it. Only the module of the command being run is imported,
# so a command does not pay for the start-up of all the others (Qt, VTK, the network stack...).
COMMAND_MODULES = {
    "open": "workstation.cli.open_window",
    "selftest": "workstation.cli.selftest_cmd",
    "import": "workstation.cli.archive_cmd",
    "archive": "workstation.cli.archive_cmd",
    "demo-data": "workstation.cli.demo_cmd",
    "inspect": "workstation.cli.inspect_cmd",
    "query": "workstation.cli.query_cmd",
    "retrieve": "workstation.cli.retrieve_cmd",
    "pacs": "workstation.cli.pacs_cmd",
    "worklist": "workstation.cli.worklist_cmd",
    "serve-worklist": "workstation.cli.worklist_cmd",
    "hang": "workstation.cli.hang_cmd",
    "dictation": "workstation.cli.dictation_cmd",
    "user": "workstation.cli.user_cmd",
    "exam": "workstation.cli.exam_cmd",
    "audit": "workstation.cli.audit_cmd",
    "keyword": "workstation.cli.keyword_cmd",
    "export": "workstation.cli.export_cmd",
    "profile": "workstation.cli.profile_cmd",
}

# Commands that read or write the local cache: refused, like the window, when security.json says
# require_encrypted_cache and the cache is not encrypted at rest.
CACHE_COMMANDS = frozenset({"import", "archive", "demo-data", "query", "retrieve", "pacs", "worklist", "hang",
                            "dictation", "keyword", "export"})

# Commands whose process ends without the interpreter's teardown (``process_exit``, ~25 ms): they close the
# archive and every file they write themselves.
QUICK_EXIT_COMMANDS = frozenset({"retrieve"})

log = logging.getLogger(__name__)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser for ``command`` alone when it is known, else for every command (help, typos)."""
    parser = argparse.ArgumentParser(prog="workstation", description="Diagnostic reading workstation")
    parser.add_argument("--version", action="version", version=f"workstation {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details on stderr")
    parser.add_argument("--selftest", action="store_true", help="same as the selftest command")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = [COMMAND_MODULES[command]] if command in COMMAND_MODULES else COMMAND_MODULES.values()
    for module_name in dict.fromkeys(modules):
        importlib.import_module(module_name).register(subparsers)
    return parser


def command_named(argv: list[str]) -> str | None:
    """The command the arguments ask for: the first word that is not an option; ``open`` when none is."""
    if "--selftest" in argv:
        return "selftest"
    words = [argument for argument in argv if not argument.startswith("-")]
    if not words:
        return None if {"-h", "--help"} & set(argv) else "open"
    return words[0]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(command_named(argv))
    args = parser.parse_args(argv)
    configure_logging(log_folder(), verbose=args.verbose)
    if args.selftest:
        args = parser.parse_args(["selftest"])
    elif args.command is None:
        args = parser.parse_args([*argv, "open"])
    try:
        if args.command in CACHE_COMMANDS:
            from workstation.security.encryption_at_rest import require_encrypted_cache

            require_encrypted_cache()
        return args.func(args)
    except WorkstationError as error:
        log.error("%s", error)
        print(f"workstation: {error}", file=sys.stderr)
        return 1
