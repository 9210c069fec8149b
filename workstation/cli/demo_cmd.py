"""``workstation demo-data [--output DIR] [--import]``: write the synthetic demo studies, optionally import them."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from workstation.archive import Archive
from workstation.cli.archive_cmd import print_import_report
from workstation.demo import write_demo_studies

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo-data", help="write the synthetic demo studies (chest CT + prior, head MR, chest radiograph + prior)"
    )
    parser.add_argument("--output", type=Path, metavar="DIR", help="where to write them (default: WORKSTATION_HOME/demo)")
    parser.add_argument(
        "--import", dest="import_into_archive", action="store_true",
        help="also import them into the local archive (running it again adds nothing)",
    )
    parser.add_argument("--force", action="store_true",
                        help="rewrite them even when a complete copy from this version is already there")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    report = write_demo_studies(args.output, force=args.force)
    done = "wrote" if report.written else "kept (already complete)"
    print(f"{done} {len(report.paths)} files of {report.studies} demo studies in {report.folder}")
    if not args.import_into_archive:
        return 0
    with Archive.open_default() as archive:
        import_report = archive.import_paths(list(report.paths))
    print_import_report(import_report)
    return 1 if import_report.problems else 0
