"""``workstation exam restrict|unrestrict|access|break-glass|report --study UID``: confidential exams.

``unrestrict`` and ``access`` are administration: an administrator's ``--user NAME`` once accounts exist.
"""

from __future__ import annotations

import argparse
import json
import time

from workstation.cli.administration import add_administrator_option, sign_in_administrator
from workstation.cli.authentication import add_user_option, command_user, station_administrator
from workstation.security.errors import AuthenticationError
from workstation.security.roles import Permission
from workstation.security.station import StationSecurity


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("exam", help="confidential exams: access lists, break the glass, access report")
    actions = parser.add_subparsers(dest="exam_command", metavar="ACTION", required=True)
    restrict = actions.add_parser("restrict", help="mark an exam confidential; only --allow users see it")
    restrict.add_argument("--study", required=True, metavar="UID")
    restrict.add_argument("--allow", nargs="*", default=[], metavar="USER")
    add_user_option(restrict)
    restrict.set_defaults(func=run_restrict)
    unrestrict = actions.add_parser("unrestrict", help="lift an exam's confidentiality (administration)")
    unrestrict.add_argument("--study", required=True, metavar="UID")
    add_administrator_option(unrestrict)
    unrestrict.set_defaults(func=run_unrestrict)
    access = actions.add_parser("access", help="edit a confidential exam's access list (administration)")
    access.add_argument("--study", required=True, metavar="UID")
    access.add_argument("--allow", nargs="*", default=[], metavar="USER")
    access.add_argument("--deny", nargs="*", default=[], metavar="USER")
    add_administrator_option(access)
    access.set_defaults(func=run_access)
    glass = actions.add_parser("break-glass", help="open a confidential exam you are not listed for, with a reason")
    glass.add_argument("--study", required=True, metavar="UID")
    glass.add_argument("--reason", required=True)
    add_user_option(glass)
    glass.set_defaults(func=run_break_glass)
    report = actions.add_parser("report", help="access report: access list, break-the-glass records, audit entries")
    report.add_argument("--study", required=True, metavar="UID")
    report.add_argument("--json", action="store_true")
    report.set_defaults(func=run_report)


def run_restrict(args: argparse.Namespace) -> int:
    """By a user who may mark exams confidential (listed on it, unless an administrator); on a station with no
    accounts, by the operating-system user."""
    signed = command_user(args, Permission.MARK_CONFIDENTIAL)
    security, by = signed.security, signed.user or station_administrator()
    include_marker = not by.may(Permission.ADMINISTER)
    unknown = [name for name in args.allow if security.users.find(name) is None]
    if unknown:
        print(f"note: no account yet for {', '.join(unknown)} (they will see the exam once added)")
    security.policy.restrict(by, args.study, args.allow, include_marker=include_marker)
    print(f"study {args.study} is confidential; access: {', '.join(security.policy.access_list(args.study)) or 'nobody'}")
    return 0


def run_unrestrict(args: argparse.Namespace) -> int:
    admin = sign_in_administrator(args, "lift the confidentiality of an exam")
    admin.security.policy.unrestrict(admin.user, args.study)
    print(f"study {args.study} is no longer confidential")
    return 0


def run_access(args: argparse.Namespace) -> int:
    admin = sign_in_administrator(args, "edit an exam's access list")
    policy = admin.security.policy
    policy.set_access(admin.user, args.study, args.allow, args.deny)
    print(f"access to {args.study}: {', '.join(policy.access_list(args.study)) or 'nobody'}")
    return 0


def run_break_glass(args: argparse.Namespace) -> int:
    signed = command_user(args)
    if signed.user is None:
        raise AuthenticationError("This is a single-user station: there is no glass to break.")
    record = signed.security.policy.break_glass(signed.user, args.study, args.reason)
    print(f"{record.user} may open {record.study_instance_uid} for the next hours; the access is recorded.")
    return 0


def run_report(args: argparse.Namespace) -> int:
    security = StationSecurity.open()
    records = [r for r in security.trail.log.records() if args.study in r.get("study_uids", ())]
    report = {
        "study_instance_uid": args.study, "confidential": security.policy.is_restricted(args.study),
        "access_list": security.policy.access_list(args.study),
        "break_glass": [{"user": r.user, "reason": r.reason, "at": _time(r.at)}
                        for r in security.policy.break_glass_records(args.study)],
        "audit": [{"at": r["at"], "event": r["event"], "user": r["user"], "detail": r.get("detail", "")}
                  for r in records],
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"study {args.study}: {'confidential' if report['confidential'] else 'not confidential'}; "
          f"access list: {', '.join(report['access_list']) or '-'}")
    for entry in report["break_glass"]:
        print(f"  break the glass  {entry['at']}  {entry['user']}: {entry['reason']}")
    for entry in report["audit"]:
        print(f"  {entry['at']}  {entry['event']:28} {entry['user']}  {entry['detail']}")
    return 0


def _time(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))
