"""``workstation user add NAME --role ROLE [--ldap] | list | disable NAME | enable NAME | password NAME``.

Administration: once the station has accounts, each action needs an administrator's ``--user NAME``
(``administration.py``); the very first account is made by the operating-system user and is an administrator.
"""

from __future__ import annotations

import argparse
import json

from workstation.cli.administration import (
    NEW_PASSWORD_VARIABLE, add_administrator_option, read_new_password, sign_in_administrator,
)
from workstation.security.audit.messages import SECURITY_ROLES_CHANGED
from workstation.security.errors import SecurityError
from workstation.security.roles import PERMISSIONS, Role
from workstation.security.users import LDAP, LOCAL


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("user", help="user accounts of this station (administration)")
    actions = parser.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", help=f"add an account (its password from {NEW_PASSWORD_VARIABLE} or a prompt; "
                                         "the first account: an administrator, password also from WORKSTATION_PASSWORD)")
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
    password = actions.add_parser("password", help=f"set a local account's password (from {NEW_PASSWORD_VARIABLE} "
                                                    "or a prompt)")
    password.add_argument("name")
    password.set_defaults(func=run_password)
    for action in actions.choices.values():
        add_administrator_option(action)


def run_add(args: argparse.Namespace) -> int:
    admin = sign_in_administrator(args, "add accounts")
    if admin.bootstrap and args.role != Role.ADMINISTRATOR.value:
        raise SecurityError(f"The first account administers the others, so it must be an administrator: "
                            f"workstation user add NAME --role {Role.ADMINISTRATOR.value}; then add {args.name} "
                            f"with --user NAME.")
    directory = LDAP if args.ldap else LOCAL
    password = None if args.ldap else read_new_password(args.name, admin.bootstrap)
    user = admin.security.users.add(args.name, Role(args.role), password, directory)
    admin.audit_change(SECURITY_ROLES_CHANGED, f"user {user.name} added as {user.role.value} ({directory})")
    print(f"added {user.name} ({user.role.value}, {directory})")
    if admin.bootstrap:
        print("This station now has user accounts: the window asks for a login, commands that read patient data "
              "need --user NAME, and administration needs an administrator's --user NAME.")
    return 0


def run_list(args: argparse.Namespace) -> int:
    security = sign_in_administrator(args, "list accounts").security
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
    action = "disable" if args.disabled else "enable"
    admin = sign_in_administrator(args, f"{action} accounts")
    if args.disabled and args.name == admin.user.name:
        raise SecurityError("You cannot disable your own account: ask another administrator.")
    admin.security.users.set_disabled(args.name, args.disabled)
    admin.audit_change(SECURITY_ROLES_CHANGED, f"user {args.name} {action}d")
    print(f"{args.name} {action}d")
    return 0


def run_password(args: argparse.Namespace) -> int:
    admin = sign_in_administrator(args, "set passwords")
    user = admin.security.users.find(args.name)
    if user is None or user.directory != LOCAL:
        raise SecurityError(f"No local account {args.name!r} (directory accounts change their password there).")
    admin.security.users.set_password(args.name, read_new_password(args.name, bootstrap=False))
    admin.audit_change(SECURITY_ROLES_CHANGED, f"password of {args.name} changed")
    print(f"password of {args.name} changed")
    return 0
