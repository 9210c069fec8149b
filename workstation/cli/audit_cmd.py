"""``workstation audit [--since DATE] [--user NAME] [--patient ID] [--study UID] [--json] [--verify] [--validate]``."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone

from workstation.security.audit.log import AuditLog
from workstation.security.errors import SecurityError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("audit", help="read the audit trail (logins, accesses, exports, break the glass)")
    parser.add_argument("--since", metavar="DATE", help="from this day or time on (2026-11-26 or 2026-11-26T08:00)")
    parser.add_argument("--user", help="only what this user did")
    parser.add_argument("--patient", metavar="ID", help="only records about this Patient ID")
    parser.add_argument("--study", metavar="UID", help="only records about this study")
    parser.add_argument("--json", action="store_true", help="one JSON object a line, with the DICOM audit XML")
    parser.add_argument("--verify", action="store_true", help="check the log's hash chain (edited or removed records)")
    parser.add_argument("--validate", action="store_true",
                        help="check every message against the DICOM audit schema (PS3.15 A.5.1)")
    parser.set_defaults(func=run)


def _since(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise SecurityError(f"--since {text!r} is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def validate(audit_log: AuditLog) -> int:
    """Each record's XML against the normative schema (lxml is loaded here only, never when recording)."""
    from workstation.security.audit.schema import audit_schema_problems

    invalid = 0
    records = list(audit_log.records())
    for number, record in enumerate(records, start=1):
        problems = audit_schema_problems(record.get("xml", ""))
        if problems:
            invalid += 1
            print(f"record {number} ({record.get('at', '?')}, {record.get('event', '?')}): {'; '.join(problems)}")
    if invalid:
        print(f"audit log {audit_log.path}: {invalid} of {len(records)} messages do not validate against the "
              "DICOM audit schema")
        return 1
    print(f"audit log {audit_log.path}: all {len(records)} messages validate against the DICOM audit schema")
    return 0


def run(args: argparse.Namespace) -> int:
    audit_log = AuditLog()
    if args.validate:
        return validate(audit_log)
    if args.verify:
        broken = audit_log.verify()
        if broken:
            print(f"audit log {audit_log.path}: the chain breaks at line(s) {', '.join(map(str, broken))} "
                  "(records edited or removed)")
            return 1
        print(f"audit log {audit_log.path}: intact ({len(audit_log.lines())} records)")
        return 0
    since = _since(args.since) if args.since else None
    for record in audit_log.records():
        if since and datetime.fromisoformat(record["at"]) < since:
            continue
        if args.user and record["user"] != args.user:
            continue
        if args.patient and args.patient not in record.get("patient_ids", ()):
            continue
        if args.study and args.study not in record.get("study_uids", ()):
            continue
        if args.json:
            print(json.dumps({key: value for key, value in record.items() if key != "previous"}))
        else:
            about = " ".join([*(f"patient {p}" for p in record.get("patient_ids", ())),
                              *(f"study {s}" for s in record.get("study_uids", ()))])
            print(f"{record['at']}  {record['event']:28} {record['user']:16} {about}  {record.get('detail', '')}".rstrip())
    return 0
