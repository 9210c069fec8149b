"""``workstation user add NAME --role ROLE [--ldap] | list | disable NAME | enable NAME | password NAME``."""

from __future__ import annotations

import argparse
import json

from workstation.cli.authentication import read_password, station_administrator
from workstation.security.audit.messages import SECURITY_ROLES_CHANGED
from workstation.security.errors import SecurityError
from workstation.security.roles import PERMISSIONS, Role
from workstation.security.station import StationSecurity
from workstation.security.users import LDAP, LOCAL


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("user", help="user accounts of this station (administration)")
    actions = parser.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add an account (password from WORKSTATION_PASSWORD or a prompt)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=[role.value for role in Role])
    add.add_argument("--ldap", action="store_true", help="the password is checked by the LDAP directory")
    add.set_defaults(func=run_add)
    lister = actions.add_parser("list", help="accounts, roles and what each role may do")
    lister.add_argument("--json", action="store_true")
    lister.set_defaults(func=run_list)
    for action, disabled in (("disable", True), ("enable", False)):
        sub = actions.add_parser(action, help=f"{action} an account (kept for the audit trail)")
        sub.add_argument("name")
        sub.set_defaults(func=run_disable, disabled=disabled)
    password = actions.add_parser("password", help="set a local account's password")
    password.add_argument("name")
    password.set_defaults(func=run_password)


def run_add(args: argparse.Namespace) -> int:
    security = StationSecurity.open()
    first = security.single_user
    directory = LDAP if args.ldap else LOCAL
    password = None if args.ldap else read_password(f"Password for {args.name}: ")
    user = security.users.add(args.name, Role(args.role), password, directory)
    _audit(security, f"user {user.name} added as {user.role.value} ({directory})")
    print(f"added {user.name} ({user.role.value}, {directory})")
    if first:
        print("This station now has user accounts: the window asks for a login, and commands that read patient "
              "data need --user NAME.")
    return 0


def run_list(args: argparse.Namespace) -> int:
    security = StationSecurity.open()
    users = security.users.users()
    if args.json:
        print(json.dumps([{"name": u.name, "role": u.role.value, "directory": u.directory, "disabled": u.disabled}
                          for u in users], indent=2))
        return 0
    if not users:
        print("No user accounts: this is a single-user station (no login). Add one with `workstation user add`.")
    for user in users:
        print(f"{user.name:20} {user.role.value:17} {user.directory:6} {'disabled' if user.disabled else ''}".rstrip())
    print()
    for role, permissions in PERMISSIONS.items():
        print(f"{role.value:17} may: {', '.join(sorted(p.value for p in permissions))}")
    return 0


def run_disable(args: argparse.Namespace) -> int:
    security = StationSecurity.open()
    security.users.set_disabled(args.name, args.disabled)
    _audit(security, f"user {args.name} {'disabled' if args.disabled else 'enabled'}")
    print(f"{args.name} {'disabled' if args.disabled else 'enabled'}")
    return 0


def run_password(args: argparse.Namespace) -> int:
    security = StationSecurity.open()
    user = security.users.find(args.name)
    if user is None or user.directory != LOCAL:
        raise SecurityError(f"No local account {args.name!r} (directory accounts change their password there).")
    security.users.set_password(args.name, read_password(f"New password for {args.name}: "))
    _audit(security, f"password of {args.name} changed")
    print(f"password of {args.name} changed")
    return 0


def _audit(security: StationSecurity, detail: str) -> None:
    security.trail.record(security.trail.messages.security_alert(
        station_administrator().name, SECURITY_ROLES_CHANGED, detail))
