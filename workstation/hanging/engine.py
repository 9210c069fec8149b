"""Hanging one study: rank the protocols, build the best plan, step through protocols and stages.

``Hanging`` is the state the reading screen keeps per opened exam; its commands (next protocol, next and
previous stage) only move indexes here, the view then applies ``current_plan`` / ``current_stage``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from workstation.archive import Archive, StudyRecord
from workstation.hanging.exam import StudyFacts, prior_records, study_facts
from workstation.hanging.loading import load_protocols
from workstation.hanging.matching import ProtocolMatch, rank_protocols
from workstation.hanging.plan import HangingPlan, StagePlan, build_plan
from workstation.hanging.schema import ProtocolProblem

log = logging.getLogger(__name__)


@dataclass
class Hanging:
    current: StudyFacts
    priors: list[StudyFacts]
    matches: list[ProtocolMatch]
    problems: list[ProtocolProblem] = field(default_factory=list)
    screens: int = 1
    protocol_index: int = 0
    stage_index: int = 0
    read_study: Callable[[StudyFacts], StudyFacts] | None = None  # reads a prior's display sets when needed
    _plans: dict[int, HangingPlan] = field(default_factory=dict)
    _complete: dict[str, StudyFacts] = field(default_factory=dict)

    def study(self, facts: StudyFacts) -> StudyFacts:
        """``facts`` with its display sets (a prior's are read the first time a plan or a caller needs them)."""
        if facts.complete or self.read_study is None:
            return facts
        if facts.study_instance_uid not in self._complete:
            self._complete[facts.study_instance_uid] = self.read_study(facts)
        return self._complete[facts.study_instance_uid]

    @property
    def current_plan(self) -> HangingPlan | None:
        if not self.matches:
            return None
        if self.protocol_index not in self._plans:
            match = self.matches[self.protocol_index]
            self._plans[self.protocol_index] = build_plan(match.protocol, self.current, self.priors, match.score,
                                                          self.screens, self.study)
        return self._plans[self.protocol_index]

    @property
    def current_stage(self) -> StagePlan | None:
        plan = self.current_plan
        return plan.stages[self.stage_index] if plan and plan.stages else None

    def prepare(self) -> None:
        """Make the best plan now (reading the headers of the prior it hangs), in the caller's thread."""
        if self.matches:
            self.current_plan  # noqa: B018 - the property builds and caches the plan

    def next_protocol(self) -> None:
        if self.matches:
            self.protocol_index = (self.protocol_index + 1) % len(self.matches)
            self.stage_index = 0

    def step_stage(self, step: int) -> bool:
        """Move to the next (1) or previous (-1) stage; False at either end."""
        plan = self.current_plan
        target = self.stage_index + step
        if plan is None or not 0 <= target < len(plan.stages):
            return False
        self.stage_index = target
        return True

    def status_text(self) -> str:
        """For the status bar: which protocol, which stage, how many alternatives."""
        plan = self.current_plan
        if plan is None:
            return "No hanging protocol fits this study"
        stage = self.current_stage
        text = f"Protocol: {plan.protocol.name}"
        if len(plan.stages) > 1:
            text += f" - stage {self.stage_index + 1}/{len(plan.stages)}: {stage.name}"
        if len(self.matches) > 1:
            text += f" ({self.protocol_index + 1} of {len(self.matches)} matching)"
        return text


def hang_study(archive: Archive, study_instance_uid: str, user: str | None = None,
               extra_files: tuple[Path, ...] = (), screens: int = 1, only_extra: bool = False,
               visible_priors: Callable[[list[StudyRecord]], list[StudyRecord]] | None = None) -> Hanging:
    """Rank every protocol for the study and prepare the best plan. ``only_extra``: just ``extra_files``.
    ``visible_priors`` drops priors the reader may not see (confidential exams, security.access)."""
    record = archive.study(study_instance_uid)
    library = load_protocols(user, extra_files=tuple(extra_files))
    protocols = library.protocols
    if only_extra:
        sources = {str(Path(path)) for path in extra_files}
        protocols = tuple(p for p in protocols if p.source in sources)
    current = study_facts(archive, record)
    prior_studies = prior_records(archive, record)
    if visible_priors is not None:
        prior_studies = visible_priors(prior_studies)
    priors = [study_facts(archive, prior, with_display_sets=False) for prior in prior_studies]
    matches = rank_protocols(protocols, current)
    log.info("hanging study %s: %d protocols fit, %d priors", study_instance_uid, len(matches), len(priors))
    hanging = Hanging(current, priors, matches, list(library.problems), screens,
                      read_study=lambda facts: study_facts(archive, facts.record))
    hanging.prepare()
    return hanging
