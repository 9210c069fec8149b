""""Save current screen as protocol": a USER protocol from what the reader has on screen now.

Study rules are proposed from the current study (modality required, body part, words of the study
description); each box selects its display set again by modality, orientation, laterality and view (required
when known) and by its series description (weighted), from the current study or the most recent prior, and
keeps how it was shown (stack, MPR plane and slab, or 3D preset). A layout per screen ("2x2|1x1") becomes a
protocol for that many screens; the sync and reference-line groups on screen become the stage's groups.
"Make default for this exam type" adds a large weight to the required modality rule so the protocol wins over every site protocol for
studies that fit it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from workstation.hanging.exam import DisplaySetFacts, StudyFacts
from workstation.hanging.protocol import Box, HangingProtocol, ImageSet, Reformat, Stage, SyncGroup
from workstation.hanging.rules import Rule
from workstation.viewer.layout import parse_layout

DEFAULT_FOR_EXAM_TYPE_WEIGHT = 100.0
_STOP_WORDS = frozenset("WITH WITHOUT WO W AND OR OF THE IV CONT CONTRAST NON".split())


@dataclass(frozen=True)
class ScreenBox:
    """One viewport as the reader left it; ``facts`` is None for an empty viewport."""

    facts: DisplaySetFacts | None
    is_prior: bool = False
    window: str | None = None
    reformat: Reformat = field(default_factory=Reformat)
    invert: bool = False
    zoom: float | None = None


def proposed_study_rules(study: StudyFacts) -> tuple[Rule, ...]:
    """Rules a reader is offered in the save dialog, in order of how much they say about the exam type."""
    rules: list[Rule] = []
    modalities = study.attributes.get("modality") or ()
    if modalities:
        rules.append(Rule("modality", tuple(modalities), weight=1.0, required=True))
    body_parts = study.attributes.get("body_part") or ()
    if body_parts:
        rules.append(Rule("body_part", tuple(body_parts), weight=3.0))
    words = [w for w in re.findall(r"[A-Za-z]{3,}", str(study.attributes.get("study_description", "")))
             if w.upper() not in _STOP_WORDS]
    if words:
        rules.append(Rule("study_description", pattern="|".join(re.escape(w.lower()) for w in words[:4]),
                          weight=4.0))
    return tuple(rules)


def protocol_from_screen(protocol_id: str, name: str, owner: str, study_rules: tuple[Rule, ...], layout: str,
                         boxes: list[ScreenBox], sync: tuple[SyncGroup, ...] = (),
                         default_for_exam_type: bool = False) -> HangingProtocol:
    """``layout``: the screen's layout name, one per screen joined by "|"; ``boxes`` in viewport order;
    ``sync``: the groups linked on screen, by box number."""
    if default_for_exam_type:
        study_rules = tuple(replace(rule, weight=rule.weight + DEFAULT_FOR_EXAM_TYPE_WEIGHT)
                            if rule.required and rule.attribute == "modality" else rule for rule in study_rules)
    layouts = tuple(layout.split("|"))
    screen_of_box = [number for number, part in enumerate(layouts, start=1) for _ in range(len(parse_layout(part)))]
    stage_boxes = tuple(replace(_box(box, number), screen=screen_of_box[number] if number < len(screen_of_box) else 1)
                        for number, box in enumerate(boxes))
    image_sets = [ImageSet("current")]
    if any(box.is_prior for box in boxes):
        image_sets.append(ImageSet("prior", 1, None, tuple(r for r in study_rules if r.attribute == "modality"
                                                            and r.required)))
    return HangingProtocol(
        id=protocol_id, name=name, stages=(Stage(name, layouts, stage_boxes, sync),), image_sets=tuple(image_sets),
        rules=study_rules, description=f"Saved from the screen by {owner}", level="USER", owner=owner,
        screens=len(layouts),
    )


def _box(box: ScreenBox, number: int) -> Box:
    image_set = "prior" if box.is_prior else "current"
    if box.facts is None:
        return Box(image_set, label=f"Box {number + 1}")
    attributes = box.facts.attributes
    rules = [Rule("modality", (attributes["modality"],), required=True)] if attributes.get("modality") else []
    for attribute in ("orientation", "laterality", "view_position"):
        if attributes.get(attribute):
            rules.append(Rule(attribute, (attributes[attribute],), required=True))
    if attributes.get("series_description"):
        rules.append(Rule("series_description", pattern=f"^{re.escape(str(attributes['series_description']))}$",
                          weight=5.0))
    if attributes.get("is_volume"):
        rules.append(Rule("is_volume", (True,), weight=2.0))
    return Box(image_set, tuple(rules), ("-image_count",), box.reformat, box.window, box.zoom, None, box.invert,
               label=box.facts.label)
