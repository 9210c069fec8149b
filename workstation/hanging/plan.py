"""The plan a protocol makes for one exam: per stage a layout and, per box, the chosen display set or why none.

This is what a view applies and what ``workstation hang`` prints. Choosing is deterministic: the highest
score, then a display set not yet used in the stage, then the box's sort keys, then series order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from workstation.hanging.environment import fit_screens
from workstation.hanging.exam import DisplaySetFacts, StudyFacts
from workstation.hanging.protocol import Box, HangingProtocol, ImageSet, Stage, SyncGroup
from workstation.hanging.rules import score


@dataclass(frozen=True)
class ChosenDisplaySet:
    facts: DisplaySetFacts
    image_set: str
    is_prior: bool
    score: float

    @property
    def series_instance_uid(self) -> str:
        return self.facts.series_instance_uid

    @property
    def study_instance_uid(self) -> str:
        return self.facts.study_instance_uid

    @property
    def stack_uid(self) -> str:
        return self.facts.stack_uid


@dataclass(frozen=True)
class BoxPlan:
    number: int  # the box's index in the stage (sync groups refer to it)
    screen: int  # the available screen it is shown on, from 0
    cell: int  # its cell in that screen's layout
    box: Box
    chosen: ChosenDisplaySet | None
    why_empty: str = ""


@dataclass(frozen=True)
class StagePlan:
    name: str
    layouts: tuple[str, ...]  # one per available screen
    boxes: tuple[BoxPlan, ...]
    sync: tuple[SyncGroup, ...]

    @property
    def layout(self) -> str:
        return self.layouts[0]


@dataclass(frozen=True)
class HangingPlan:
    protocol: HangingProtocol
    score: float
    stages: tuple[StagePlan, ...]
    image_sets: dict[str, str | None]  # image set name -> study UID (None: no such prior)


def build_plan(protocol: HangingProtocol, current: StudyFacts, priors: list[StudyFacts], score_value: float = 0.0,
               screens: int = 1, complete: Callable[[StudyFacts], StudyFacts] | None = None) -> HangingPlan:
    """``priors``: the patient's studies not dated after the current one, newest first. ``complete`` reads
    the display sets of a prior given without them, once an image set has chosen it."""
    studies = {s.name: _image_set_study(s, current, priors) for s in protocol.image_sets}
    if complete is not None:
        studies = {name: complete(study) if study is not None and not study.complete else study
                   for name, study in studies.items()}
    stages = tuple(_stage_plan(protocol, stage, studies, screens) for stage in protocol.stages)
    return HangingPlan(protocol, score_value, stages,
                       {name: study.study_instance_uid if study else None for name, study in studies.items()})


def _image_set_study(image_set: ImageSet, current: StudyFacts, priors: list[StudyFacts]) -> StudyFacts | None:
    if not image_set.is_prior:
        return current
    candidates = []
    for prior in priors:
        if (prior.record.study_date, prior.record.study_time) > (current.record.study_date, current.record.study_time):
            continue  # never hang a study dated after the current one, whoever passed it in
        if image_set.within_days is not None and _days_between(prior, current) > image_set.within_days:
            continue
        if score(image_set.rules, prior.attributes) is None:
            continue
        candidates.append(prior)
    if not candidates:
        return None
    if image_set.prior_number == -1:
        return candidates[-1]
    return candidates[image_set.prior_number - 1] if image_set.prior_number <= len(candidates) else None


def _days_between(prior: StudyFacts, current: StudyFacts) -> float:
    def day(text: str) -> date:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))

    try:
        return (day(current.record.study_date) - day(prior.record.study_date)).days
    except ValueError:
        return float("inf")


def _stage_plan(protocol: HangingProtocol, stage: Stage, studies: dict[str, StudyFacts | None],
                screens: int) -> StagePlan:
    per_screen = [sum(1 for box in stage.boxes if box.screen == number + 1) for number in range(len(stage.layouts))]
    fit = fit_screens(stage.layouts, per_screen, screens)
    used: set[str] = set()
    next_cell = [0] * len(stage.layouts)
    boxes = []
    for number, box in enumerate(stage.boxes):
        nominal = box.screen - 1
        screen, cell = fit.placements[(nominal, next_cell[nominal])]
        next_cell[nominal] += 1
        chosen, why = _choose(box, protocol.image_set(box.image_set), studies.get(box.image_set), used)
        if chosen is not None:
            used.add(chosen.stack_uid)
        boxes.append(BoxPlan(number, screen, cell, box, chosen, why))
    return StagePlan(stage.name, fit.layouts, tuple(boxes), stage.sync)


def _choose(box: Box, image_set: ImageSet, study: StudyFacts | None, used: set[str]
            ) -> tuple[ChosenDisplaySet | None, str]:
    if study is None:
        wanted = {-1: "oldest prior", 1: "prior"}.get(image_set.prior_number, f"prior number {image_set.prior_number}")
        limit = f" within {image_set.within_days:g} days" if image_set.within_days is not None else ""
        return None, f"{box.expectation()}: no {wanted}{limit} of this patient"
    scored = [(value, facts) for facts in study.display_sets
              if (value := score(box.rules, facts.attributes)) is not None
              and not (box.distinct and facts.stack_uid in used)]
    if not scored:
        other = " not shown in another box" if box.distinct else ""
        return None, (f"{box.expectation()}: no display set{other} in the study dated {study.record.study_date} "
                      "matches")
    ranked = sorted(scored, key=lambda item: (-item[0], item[1].stack_uid in used, *_sort_key(box, item[1])))
    value, facts = ranked[0]
    return ChosenDisplaySet(facts, image_set.name, image_set.is_prior, value), ""


def _sort_key(box: Box, facts: DisplaySetFacts) -> list:
    keys = []
    for key in box.sort:
        value = facts.attributes.get(key.lstrip("-"))
        number = float(value) if isinstance(value, (int, float)) else float("inf")
        keys.append(-number if key.startswith("-") and number != float("inf") else number)
    return keys
