"""``workstation worklist [--json]``, ``workstation worklist seed-demo`` and ``workstation serve-worklist``."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from dataclasses import asdict

import hl7.client

from workstation.cli.administration import add_administrator_option, sign_in_administrator
from workstation.cli.authentication import add_user_option, command_user
from workstation.demo import write_demo_studies
from workstation.demo.generate import default_demo_folder
from workstation.net.demo_pacs import DEMO_NODE_NAME, demo_pacs_folder, start_demo_pacs
from workstation.net.orthanc_server import orthanc_installed
from workstation.settings.pacs_nodes import load_pacs_settings
from workstation.worklist.columns import COLUMN_TITLES, counts_text, row_texts, status_counts
from workstation.worklist.config import load_worklist_config, save_worklist_config
from workstation.worklist.demo_orders import demo_orders, write_demo_worklist
from workstation.worklist.filters import load_filter
from workstation.worklist.hl7_orders import handle_text
from workstation.worklist.service import WorklistService
from workstation.worklist.sources import sync_image_availability, sync_modality_worklist
from workstation.worklist.store import WorklistStore

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("worklist", help="print the reading worklist as the window shows it")
    parser.add_argument("--json", action="store_true", help="one JSON object per exam, with counts per status")
    parser.add_argument("--all", action="store_true", help="ignore the saved filters (final exams included)")
    parser.add_argument("--keyword", help="only exams tagged with this keyword (shared tags and your own)")
    add_user_option(parser)
    parser.set_defaults(func=run_list)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    seed = actions.add_parser("seed-demo", help="worklist entries for the demo studies (MWL items + HL7 orders, one STAT)")
    seed.add_argument("--hl7", metavar="HOST:PORT", help="send the HL7 orders to this listener instead of applying them here")
    seed.set_defaults(func=run_seed_demo)
    configure = actions.add_parser("configure", help="set this station's worklist settings (worklist.json)")
    configure.add_argument("--store", metavar="URL", help="postgresql://... shared by stations ('' = local SQLite)")
    configure.add_argument("--reader-name", help="the reader's name shown in 'locked by' (default: the login name)")
    configure.add_argument("--hl7-port", type=int, metavar="PORT", help="HL7 listener port inside the app (0 = off)")
    configure.add_argument("--ris", metavar="HOST:PORT", help="where results and status changes go over MLLP")
    configure.add_argument("--mwl-node", metavar="NAME", help="PACS-settings node to poll for the modality worklist")
    configure.add_argument("--pacs-node", metavar="NAME", help="PACS-settings node asked for image counts")
    configure.add_argument("--ehr", metavar="TEMPLATE", help="EHR link, e.g. 'https://ehr/patient?mrn={patient_id}'")
    add_administrator_option(configure)
    configure.set_defaults(func=run_configure)

    server = subparsers.add_parser("serve-worklist", help="run the HL7 listener and the MWL/PACS pollers headless")
    server.add_argument("--hl7-port", type=int, metavar="PORT", help="HL7 MLLP port (default: worklist.json, else 2575)")
    server.add_argument("--hl7-host", metavar="HOST", help="address to listen on (default 127.0.0.1)")
    server.set_defaults(func=run_serve)


def run_list(args: argparse.Namespace) -> int:
    signed = command_user(args)
    config = load_worklist_config()
    with WorklistStore(config.store_location()) as store:
        exams = signed.security.policy.visible_exams(signed.user, store.exams())
        counts = status_counts(exams)  # confidential exams the user may not see are not counted either
        if args.keyword:
            tagged = {tag.study_instance_uid for tag in signed.security.keywords.tags(signed.name, keyword=args.keyword)}
            exams = [exam for exam in exams if exam.study_instance_uid in tagged]
    signed.security.trail.record(signed.security.trail.messages.query(signed.name, "worklist"))
    if not args.all:
        exams = load_filter().apply(exams, signed.user.name if signed.user else config.reader())
    if args.json:
        print(json.dumps({"counts": {status.value: count for status, count in counts.items()},
                          "exams": [exam.as_json() for exam in exams]}, indent=2))
        return 0
    rows = [list(COLUMN_TITLES)] + [row_texts(exam) for exam in exams]
    widths = [max(len(row[index]) for row in rows) for index in range(len(COLUMN_TITLES))]
    for row in rows:
        print("  ".join(text.ljust(width) for text, width in zip(row, widths)).rstrip())
    print(counts_text(counts))
    return 0


def run_seed_demo(args: argparse.Namespace) -> int:
    """MWL items into the demo Orthanc, HL7 orders to the listener (or applied here), then one poll."""
    config = load_worklist_config()
    problems = 0
    with WorklistStore(config.store_location()) as store:
        for text in demo_orders():
            answer = _send_order(args.hl7, text) if args.hl7 else handle_text(store, text)
            if "MSA|AA|" not in answer:
                problems += 1
                print(f"workstation: an HL7 demo order was not accepted: {answer.strip()!r}")
        print(f"HL7: {len(demo_orders()) - problems} demo orders " + (f"sent to {args.hl7}" if args.hl7 else "applied"))
        if not orthanc_installed():
            print("workstation: Orthanc is not installed, so there are no MWL items or PACS image counts for the demo.")
            return 1
        folder = default_demo_folder()
        files = sorted(folder.rglob("*.dcm")) if folder.is_dir() else []
        files = files or write_demo_studies(folder).paths
        node = start_demo_pacs(files)
        written = write_demo_worklist(demo_pacs_folder() / "worklists")
        local = load_pacs_settings().local
        listed = sync_modality_worklist(store, node, local)
        updated = sync_image_availability(store, node, local)
        print(f"MWL: {len(written)} items in the demo PACS, {listed} listed; PACS: images found for {updated} exams")
    save_worklist_config(config.with_changes(mwl_node=config.mwl_node or DEMO_NODE_NAME,
                                             pacs_node=config.pacs_node or DEMO_NODE_NAME))
    return 1 if problems else 0


def run_configure(args: argparse.Namespace) -> int:
    """Where orders come from and results go: administration, audited as Network Configuration."""
    from workstation.security.audit.messages import NETWORK_CONFIGURATION

    changes: dict[str, object] = {name: value for name, value in (
        ("store", args.store), ("user", args.reader_name), ("hl7_port", args.hl7_port), ("mwl_node", args.mwl_node),
        ("pacs_node", args.pacs_node), ("ehr_template", args.ehr),
    ) if value is not None}
    if args.ris is not None:
        host, _, port = args.ris.rpartition(":")
        if not port.isdigit():
            print(f"workstation: --ris must be HOST:PORT, not {args.ris!r}", file=sys.stderr)
            return 2
        changes.update(ris_host=host or "127.0.0.1", ris_port=int(port))
    admin = sign_in_administrator(args, "change the worklist settings")
    config = load_worklist_config().with_changes(**changes)
    path = save_worklist_config(config)
    admin.audit_change(NETWORK_CONFIGURATION, "worklist settings: " + ", ".join(
        f"{name}={value}" for name, value in sorted(changes.items())))
    print(f"saved {path}")
    for name, value in sorted(asdict(config).items()):
        print(f"  {name}: {value}")
    return 0


def _send_order(address: str, text: str) -> str:
    host, _, port = address.rpartition(":")
    with hl7.client.MLLPClient(host or "127.0.0.1", int(port)) as client:
        answer = client.send_message(text)
    return answer.decode("utf-8", errors="replace") if isinstance(answer, bytes) else str(answer)


def run_serve(args: argparse.Namespace) -> int:
    config = load_worklist_config()
    config = config.with_changes(hl7_port=args.hl7_port if args.hl7_port is not None else (config.hl7_port or 2575),
                                 hl7_host=args.hl7_host or config.hl7_host)
    stop = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stop.set())
    with WorklistStore(config.store_location()) as store:
        service = WorklistService(config, store).start()
        try:
            listener = service.listener
            print(f"worklist service: HL7 on {config.hl7_host}:{listener.port if listener else '-'}, "
                  f"store {store.describe()}; Ctrl+C stops", flush=True)
            stop.wait()
        finally:
            service.stop()
    print("worklist service stopped")
    return 0
