"""``workstation pacs list|add|echo|start-demo|stop-demo``: PACS nodes and the embedded demo PACS."""

from __future__ import annotations

import argparse

from workstation.demo import default_demo_folder, write_demo_studies
from workstation.net.demo_pacs import start_demo_pacs, stop_demo_pacs
from workstation.net.echo import c_echo
from workstation.net.orthanc_server import orthanc_installed
from workstation.settings.pacs_nodes import (
    RETRIEVE_METHODS, PacsNode, load_pacs_settings, load_user_pacs_settings, resolve_node, save_pacs_settings,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("pacs", help="PACS nodes: list, add, echo; start or stop the demo PACS")
    actions = parser.add_subparsers(dest="pacs_action", metavar="ACTION", required=True)
    actions.add_parser("list", help="the configured nodes and this workstation's AE title").set_defaults(func=run_list)
    adder = actions.add_parser("add", help="add or replace a node")
    adder.add_argument("name")
    adder.add_argument("--aet", default="")
    adder.add_argument("--host", default="127.0.0.1")
    adder.add_argument("--port", type=int, default=104)
    adder.add_argument("--dicomweb-url", default="")
    adder.add_argument("--method", choices=RETRIEVE_METHODS, default="",
                       help="default: web when --dicomweb-url is given (fastest), else get")
    adder.add_argument("--tls", action="store_true")
    adder.add_argument("--ca-certificate", default="")
    adder.add_argument("--client-certificate", default="")
    adder.add_argument("--client-key", default="")
    adder.add_argument("--user", help="the administrator changing it, once the station has user accounts "
                                      "(password from WORKSTATION_PASSWORD or a prompt)")
    adder.set_defaults(func=run_add)
    echo = actions.add_parser("echo", help="C-ECHO a node")
    echo.add_argument("node", help="configured node name or AET@HOST:PORT")
    echo.set_defaults(func=run_echo)
    starter = actions.add_parser("start-demo", help="start the loopback demo PACS (Orthanc) seeded with the demo studies")
    starter.add_argument("--method", choices=RETRIEVE_METHODS, default="web", help="how the demo node retrieves")
    starter.set_defaults(func=run_start_demo)
    actions.add_parser("stop-demo", help="stop the demo PACS").set_defaults(func=run_stop_demo)


def run_list(args: argparse.Namespace) -> int:
    settings = load_pacs_settings()
    print(f"this workstation: AE title {settings.local.aet}, storage port {settings.local.storage_port}")
    for node in settings.nodes:
        print(f"{node.name}: {node.address} retrieve by {node.retrieve_method}"
              + (f", DICOMweb {node.dicomweb_url}" if node.dicomweb_url and node.aet else "")
              + (", TLS" if node.tls else ""))
    return 0


def run_add(args: argparse.Namespace) -> int:
    """Where the station sends and fetches patient data: administration, audited as Network Configuration."""
    from workstation.cli.administration import sign_in_administrator  # only here: the other actions need no login
    from workstation.security.audit.messages import NETWORK_CONFIGURATION

    admin = sign_in_administrator(args, "change the PACS nodes")
    node = PacsNode(name=args.name, aet=args.aet, host=args.host, port=args.port, dicomweb_url=args.dicomweb_url,
                    retrieve_method=args.method, tls=args.tls, ca_certificate=args.ca_certificate,
                    client_certificate=args.client_certificate, client_key=args.client_key)
    path = save_pacs_settings(load_user_pacs_settings().with_node(node))
    admin.audit_change(NETWORK_CONFIGURATION, f"PACS node {node.name} set to {node.address}"
                                              + (" (TLS)" if node.tls else ""))
    print(f"saved node {node.name} ({node.address}) in {path}")
    return 0


def run_echo(args: argparse.Namespace) -> int:
    settings = load_pacs_settings()
    node = resolve_node(args.node, settings)
    print(f"{node.address}: echo answered in {c_echo(node, settings.local) * 1000:.0f} ms")
    return 0


def run_start_demo(args: argparse.Namespace) -> int:
    if not orthanc_installed():
        print("workstation: Orthanc is not installed, so there is no demo PACS; the local archive still works. "
              "Install it with: apt-get install orthanc orthanc-dicomweb")
        return 1
    folder = default_demo_folder()
    files = sorted(folder.rglob("*.dcm")) if folder.is_dir() else []
    if not files:
        files = write_demo_studies(folder).paths
    node = start_demo_pacs(files, method=args.method)
    print(f"demo PACS running: node {node.name!r}, {node.address}, {node.dicomweb_url}")
    return 0


def run_stop_demo(args: argparse.Namespace) -> int:
    print("demo PACS stopped" if stop_demo_pacs() else "demo PACS was not running")
    return 0
