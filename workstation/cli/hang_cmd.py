"""``workstation hang --study UID [--user NAME] [--protocol FILE] [--json]``: a dry run for protocol authors.

Prints the protocol that would hang the study, its score, the runners-up, and for each stage the boxes
with the display set chosen (series, study, current or prior, reformatting) or why none matched.
Protocol files that fail validation are listed with file, line and field.

DICOM Hanging Protocol instances: ``--export-dicom FILE --id ID`` writes one, ``--import-dicom FILE`` adds
one to the user's protocols, ``--push-to NODE --id ID`` stores one on a PACS and ``--pull-from NODE``
imports every one the PACS has. What DICOM cannot carry is printed, never dropped silently.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from pydicom import dcmread
from pydicom.errors import InvalidDicomError

from workstation.archive import Archive
from workstation.cli.authentication import command_user
from workstation.core.errors import WorkstationError
from workstation.hanging.dicom_hp import export_protocol, import_protocol
from workstation.hanging.engine import Hanging, hang_study
from workstation.hanging.loading import load_protocols, save_user_protocol
from workstation.hanging.plan import BoxPlan, HangingPlan
from workstation.net.hanging_protocol_qr import (
    find_hanging_protocols, retrieve_hanging_protocol, store_hanging_protocol,
)
from workstation.security.audit.messages import PatientRef
from workstation.settings.pacs_nodes import load_pacs_settings, resolve_node

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("hang", help="show how a hanging protocol would hang an archived study; "
                                                "import/export DICOM hanging protocols")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--study", metavar="UID", help="Study Instance UID in the local archive (dry run)")
    action.add_argument("--export-dicom", type=Path, metavar="FILE", help="write protocol --id as a DICOM HP file")
    action.add_argument("--import-dicom", type=Path, metavar="FILE", help="add a DICOM HP file to the user's protocols")
    action.add_argument("--push-to", metavar="NODE", help="store protocol --id on a PACS")
    action.add_argument("--pull-from", metavar="NODE", help="import every hanging protocol a PACS has")
    parser.add_argument("--id", dest="protocol_id", metavar="ID", help="the protocol to export or push")
    parser.add_argument("--user", help="whose protocols apply besides the site's (default: the current user); "
                                       "once the station has accounts, the user who runs it (WORKSTATION_PASSWORD)")
    parser.add_argument("--protocol", type=Path, action="append", default=[], metavar="FILE",
                        help="try only this protocol file (may be repeated)")
    parser.add_argument("--screens", type=int, default=1, help="number of screens to lay out for (default 1)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.study is None:
        return _dicom_exchange(args)
    for path in args.protocol:
        if not path.is_file():
            raise WorkstationError(f"The protocol file {path} does not exist.")
    signed = command_user(args)
    signed.security.policy.require_access(signed.user, args.study)
    with Archive.open_default() as archive:
        hanging = hang_study(archive, args.study, args.user, tuple(args.protocol), max(1, args.screens),
                             only_extra=bool(args.protocol),
                             visible_priors=lambda studies: signed.security.policy.visible_studies(signed.user, studies))
        study = archive.study(args.study)
    signed.security.trail.record(signed.security.trail.messages.instances_accessed(
        signed.name, (PatientRef(study.patient_id, study.patient_name),), (args.study,), detail="hanging dry run"))
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
                name = f"box {box['box']}" + (f" {box['label']}" if box["label"] else "")
                if chosen is None:
                    print(f"    {name}: EMPTY - {box['why_empty']}")
                else:
                    which = "prior" if chosen["prior"] else "current"
                    print(f"    {name}: {chosen['label']} ({which}, {view}, "
                          f"window {box['window'] or 'default'}) series {chosen['series_instance_uid']} "
                          f"study {chosen['study_instance_uid']}")
            for group in stage["sync"]:
                print(f"    sync {group['type']}: boxes {', '.join(map(str, group['boxes']))}")
    for runner in report["runners_up"]:
        print(f"runner-up: {runner['name']} [{runner['id']}, {runner['level']}] score {runner['score']:g}")
    for problem in report["problems"]:
        print(f"skipped protocol file: {problem}", file=sys.stderr)


def _dicom_exchange(args: argparse.Namespace) -> int:
    if args.export_dicom or args.push_to:
        if not args.protocol_id:
            raise WorkstationError("Name the protocol to export with --id (see the ids in hanging_protocols/).")
        library = load_protocols(args.user, extra_files=tuple(args.protocol))
        protocol = next((p for p in library.protocols if p.id == args.protocol_id), None)
        if protocol is None:
            raise WorkstationError(f"No hanging protocol with id {args.protocol_id!r}; known: "
                                   f"{', '.join(p.id for p in library.protocols)}.")
        dataset, losses = export_protocol(protocol)
        if args.export_dicom:
            try:
                dataset.save_as(args.export_dicom, enforce_file_format=True)
            except OSError as error:
                raise WorkstationError(f"Cannot write {args.export_dicom} ({error.strerror or error}).") from error
            print(f"exported {protocol.id} to {args.export_dicom}")
        else:
            settings = load_pacs_settings()
            via = store_hanging_protocol(resolve_node(args.push_to, settings), settings.local, dataset)
            print(f"stored {protocol.id} on {args.push_to} ({via})")
        _print_losses("not carried by DICOM", losses)
        return 0
    if args.import_dicom:
        try:
            dataset = dcmread(args.import_dicom)
        except (OSError, InvalidDicomError) as error:
            raise WorkstationError(f"Cannot read {args.import_dicom} as DICOM ({error}).") from error
        datasets = [(str(args.import_dicom), dataset)]
    else:
        settings = load_pacs_settings()
        node = resolve_node(args.pull_from, settings)
        remotes = find_hanging_protocols(node, settings.local)
        datasets = [(f"{args.pull_from} {r.sop_instance_uid}", retrieve_hanging_protocol(node, settings.local, r))
                    for r in remotes]
        print(f"{len(remotes)} hanging protocol(s) on {args.pull_from}")
    for source, dataset in datasets:
        protocol, losses = import_protocol(dataset, source)
        path = save_user_protocol(protocol, args.user)
        print(f"imported {protocol.id} ({protocol.level}) from {source} to {path}")
        _print_losses("not represented", losses)
    return 0


def _print_losses(what: str, losses: list[str]) -> None:
    for loss in losses:
        print(f"  {what}: {loss}")
