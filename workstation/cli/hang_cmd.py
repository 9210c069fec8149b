"""``workstation hang --study UID [--user NAME] [--protocol FILE] [--json]``: a dry run for protocol authors.

Prints the protocol that would hang the study, its score, the runners-up, and for each stage the boxes
with the display set chosen (series, study, current or prior, reformatting) or why none matched.
Protocol files that fail validation are listed with file, line and field.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from workstation.archive import Archive
from workstation.core.errors import WorkstationError
from workstation.hanging.engine import Hanging, hang_study
from workstation.hanging.plan import BoxPlan, HangingPlan

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("hang", help="show how a hanging protocol would hang an archived study")
    parser.add_argument("--study", required=True, metavar="UID", help="Study Instance UID in the local archive")
    parser.add_argument("--user", help="whose protocols apply besides the site's (default: the current user)")
    parser.add_argument("--protocol", type=Path, action="append", default=[], metavar="FILE",
                        help="try only this protocol file (may be repeated)")
    parser.add_argument("--screens", type=int, default=1, help="number of screens to lay out for (default 1)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    for path in args.protocol:
        if not path.is_file():
            raise WorkstationError(f"The protocol file {path} does not exist.")
    with Archive.open_default() as archive:
        hanging = hang_study(archive, args.study, args.user, tuple(args.protocol), max(1, args.screens),
                             only_extra=bool(args.protocol))
    report = hanging_report(hanging)
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        print()
    else:
        _print_text(report)
    return 0 if report["protocol"] is not None and not report["problems"] else 1


def hanging_report(hanging: Hanging) -> dict:
    plan = hanging.current_plan
    return {
        "study_instance_uid": hanging.current.study_instance_uid,
        "priors": [prior.study_instance_uid for prior in hanging.priors],
        "protocol": None if plan is None else _plan_report(plan),
        "runners_up": [{"id": m.protocol.id, "name": m.protocol.name, "level": m.protocol.level, "score": m.score}
                       for m in hanging.matches[1:]],
        "problems": [str(problem) for problem in hanging.problems],
    }


def _plan_report(plan: HangingPlan) -> dict:
    return {
        "id": plan.protocol.id, "name": plan.protocol.name, "level": plan.protocol.level, "score": plan.score,
        "source": plan.protocol.source, "image_sets": plan.image_sets,
        "stages": [{"name": stage.name, "layouts": list(stage.layouts),
                    "boxes": [_box_report(box) for box in stage.boxes],
                    "sync": [{"type": group.kind, "boxes": list(group.boxes)} for group in stage.sync]}
                   for stage in plan.stages],
    }


def _box_report(box: BoxPlan) -> dict:
    view = box.box.reformat
    report: dict = {
        "box": box.number, "screen": box.screen + 1, "cell": box.cell, "label": box.box.label,
        "image_set": box.box.image_set, "view": view.view, "plane": view.plane,
        "slab": None if view.slab_thickness_mm is None else {"thickness": view.slab_thickness_mm,
                                                               "mode": view.slab_mode},
        "volume_preset": view.volume_preset, "window": box.box.window, "zoom": box.box.zoom,
        "slice": box.box.slice, "invert": box.box.invert,
    }
    chosen = box.chosen
    if chosen is None:
        report.update(display_set=None, why_empty=box.why_empty)
    else:
        report["display_set"] = {
            "series_instance_uid": chosen.series_instance_uid, "study_instance_uid": chosen.study_instance_uid,
            "display_set_index": chosen.facts.display_set_index, "label": chosen.facts.label,
            "prior": chosen.is_prior, "score": chosen.score,
        }
    return report


def _print_text(report: dict) -> None:
    protocol = report["protocol"]
    print(f"study: {report['study_instance_uid']}  priors: {len(report['priors'])}")
    if protocol is None:
        print("no hanging protocol fits this study")
    else:
        print(f"protocol: {protocol['name']} [{protocol['id']}, {protocol['level']}] score {protocol['score']:g}")
        print(f"  from {protocol['source']}")
        for stage_number, stage in enumerate(protocol["stages"], start=1):
            print(f"  stage {stage_number}: {stage['name']} ({' + '.join(stage['layouts'])})")
            for box in stage["boxes"]:
                view = box["view"] + (f" {box['plane']}" if box["plane"] else "")
                if box["slab"]:
                    view += f" slab {box['slab']['thickness']:g} mm {box['slab']['mode']}"
                chosen = box["display_set"]
                if chosen is None:
                    print(f"    box {box['box']} {box['label']}: EMPTY - {box['why_empty']}")
                else:
                    which = "prior" if chosen["prior"] else "current"
                    print(f"    box {box['box']} {box['label']}: {chosen['label']} ({which}, {view}, "
                          f"window {box['window'] or 'default'}) series {chosen['series_instance_uid']} "
                          f"study {chosen['study_instance_uid']}")
            for group in stage["sync"]:
                print(f"    sync {group['type']}: boxes {', '.join(map(str, group['boxes']))}")
    for runner in report["runners_up"]:
        print(f"runner-up: {runner['name']} [{runner['id']}, {runner['level']}] score {runner['score']:g}")
    for problem in report["problems"]:
        print(f"skipped protocol file: {problem}", file=sys.stderr)
