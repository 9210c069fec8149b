"""``workstation query --pacs NODE [--patient-id ID] [--name N] [--accession A] [--study-date RANGE] [--json]``.

A search must name a patient, an accession or a date range (``--all`` lists anyway); at most ``--limit``
studies are printed (default: the node's query limit), with a notice when more match.
"""

from __future__ import annotations

import argparse
import json
import sys

from workstation.cli.authentication import add_user_option, command_user
from workstation.net.query import UnboundedSearch, search_studies
from workstation.settings.pacs_nodes import load_pacs_settings, resolve_node


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("query", help="find studies on a PACS (C-FIND, or QIDO-RS for a DICOMweb URL)")
    parser.add_argument("--pacs", required=True, metavar="NODE",
                        help="configured node name, AET@HOST:PORT, or http://HOST:PORT/dicom-web")
    parser.add_argument("--patient-id", default="", metavar="ID")
    parser.add_argument("--name", default="", metavar="NAME", help="patient name, wildcards * and ? allowed")
    parser.add_argument("--accession", default="", metavar="A")
    parser.add_argument("--study-date", default="", metavar="RANGE", help="YYYYMMDD, YYYYMMDD-YYYYMMDD, or open-ended")
    parser.add_argument("--modality", default="", metavar="M", help="e.g. CT (ModalitiesInStudy)")
    parser.add_argument("--limit", type=int, default=None, metavar="N",
                        help="list at most N studies (default: the node's query limit, 500 unless configured)")
    parser.add_argument("--all", action="store_true",
                        help="allow a search without patient, accession or date (still at most --limit studies)")
    parser.add_argument("--json", action="store_true", help="print the matches as JSON")
    add_user_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    signed = command_user(args)
    settings = load_pacs_settings()
    node = resolve_node(args.pacs, settings)
    match = {"PatientID": args.patient_id, "PatientName": args.name, "AccessionNumber": args.accession,
             "StudyDate": args.study_date, "ModalitiesInStudy": args.modality}
    keys = {key: value for key, value in match.items() if value}
    if args.limit is not None and args.limit < 1:
        print("workstation: --limit must be at least 1", file=sys.stderr)
        return 2
    try:
        matches = search_studies(node, settings.local, keys, limit=args.limit, browse=args.all)
    except UnboundedSearch as error:
        print(f"workstation: {error} Add --all to list the first {args.limit or node.query_limit} anyway.", file=sys.stderr)
        return 1
    studies = signed.security.policy.visible_studies(signed.user, matches.studies)
    signed.security.trail.record(signed.security.trail.messages.query(
        signed.name, " ".join(f"{key}={value}" for key, value in keys.items()), node.address))
    studies.sort(key=lambda study: (study.study_date, study.study_time), reverse=True)
    if matches.notice:
        print(f"workstation: {matches.notice}", file=sys.stderr)
    if args.json:
        print(json.dumps([study.as_json() for study in studies], indent=2))
        return 0
    for study in studies:
        print(f"{study.study_date or '--------'}  {study.patient_id:<16} {study.patient_name:<24} "
              f"{'/'.join(study.modalities):<8} {study.accession_number:<12} "
              f"{study.number_of_instances if study.number_of_instances is not None else '?':>5} images  "
              f"{study.study_description}  {study.study_instance_uid}")
    print(f"{len(studies)} studies on {node.address}")
    return 0
