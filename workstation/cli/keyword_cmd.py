"""``workstation keyword add|remove|search|list``: tag exams, series or key images; search across the archive."""

from __future__ import annotations

import argparse
import json

from workstation.archive import Archive
from workstation.cli.authentication import add_user_option, command_user
from workstation.core.errors import ArchiveError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("keyword", help="keywords on exams, series and key images (teaching file, ...)")
    actions = parser.add_subparsers(dest="keyword_command", metavar="ACTION", required=True)
    for name, helptext, func in (("add", "tag an exam, a series or an image", run_add),
                                 ("remove", "remove one of your tags", run_remove)):
        sub = actions.add_parser(name, help=helptext)
        sub.add_argument("keyword")
        sub.add_argument("--study", required=True, metavar="UID")
        sub.add_argument("--series", default="", metavar="UID")
        sub.add_argument("--image", default="", metavar="SOP_UID")
        if name == "add":
            sub.add_argument("--private", action="store_true", help="only you see this tag")
        add_user_option(sub)
        sub.set_defaults(func=func)
    search = actions.add_parser("search", help="exams tagged with a keyword (those you may see)")
    search.add_argument("keyword")
    search.add_argument("--json", action="store_true")
    add_user_option(search)
    search.set_defaults(func=run_search)
    lister = actions.add_parser("list", help="every keyword you can see")
    add_user_option(lister)
    lister.set_defaults(func=run_list)


def run_add(args: argparse.Namespace) -> int:
    signed = command_user(args)
    signed.security.policy.require_access(signed.user, args.study)
    tag = signed.security.keywords.tag(signed.name, args.keyword, args.study, args.series, args.image,
                                       shared=not args.private)
    print(f"tagged {tag.level} with {tag.keyword!r} ({'shared' if tag.shared else 'private'})")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    signed = command_user(args)
    removed = signed.security.keywords.untag(signed.name, args.keyword, args.study, args.series, args.image)
    print("removed" if removed else "no such tag of yours")
    return 0 if removed else 1


def run_search(args: argparse.Namespace) -> int:
    signed = command_user(args)
    tags = signed.security.keywords.tags(signed.name, keyword=args.keyword)
    tags = signed.security.policy.visible(signed.user, tags, lambda tag: tag.study_instance_uid)
    signed.security.trail.record(signed.security.trail.messages.query(signed.name, f"keyword={args.keyword}"))
    rows = []
    with Archive.open_default() as archive:
        for tag in tags:
            try:
                study = archive.study(tag.study_instance_uid)
                description = f"{study.study_date} {'/'.join(study.modalities)} {study.study_description}"
            except ArchiveError:
                description = "(not in the local archive)"
            rows.append({"keyword": tag.keyword, "level": tag.level, "study_instance_uid": tag.study_instance_uid,
                         "series_instance_uid": tag.series_instance_uid, "sop_instance_uid": tag.sop_instance_uid,
                         "owner": tag.owner, "shared": tag.shared, "study": description})
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        print(f"{row['keyword']}  {row['level']:6} {row['study_instance_uid']}  {row['study']}"
              f"  {'' if row['shared'] else '(private)'}".rstrip())
    if not rows:
        print(f"nothing tagged {args.keyword!r} that you may see")
    return 0


def run_list(args: argparse.Namespace) -> int:
    signed = command_user(args)
    for keyword in signed.security.keywords.keywords(signed.name):
        print(keyword)
    return 0
