"""Which protocols fit a study, best first: the highest score, then USER > GROUP > SITE, then file order.

A protocol without study rules fits every study with score 0 (the generic fallback); one whose required
rule fails does not fit at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from workstation.hanging.exam import StudyFacts
from workstation.hanging.protocol import LEVELS, HangingProtocol
from workstation.hanging.rules import score


@dataclass(frozen=True)
class ProtocolMatch:
    protocol: HangingProtocol
    score: float


def rank_protocols(protocols: tuple[HangingProtocol, ...] | list[HangingProtocol], study: StudyFacts
                   ) -> list[ProtocolMatch]:
    matches = []
    for protocol in protocols:
        value = score(protocol.rules, study.attributes)
        if value is None or (protocol.rules and value <= 0):
            continue
        matches.append(ProtocolMatch(protocol, value))
    return sorted(matches, key=lambda m: (-m.score, LEVELS.index(m.protocol.level), m.protocol.order))
