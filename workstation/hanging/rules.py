"""Matching rules: one attribute, one constraint (equals one of, regular expression, numeric range), a weight.

Study rules pick the protocol, display-set rules pick what goes into a box. A rule marked ``required``
that fails rules the candidate out, as does an ``exclude`` rule that matches; the others add their weight to the score when they match (OHIF's
scoring). A multi-valued attribute (a study's modalities) matches when any of its values does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

STUDY_ATTRIBUTES = ("modality", "body_part", "study_description", "laterality")
DISPLAY_SET_ATTRIBUTES = (
    "modality", "series_description", "series_number", "orientation", "slice_thickness", "image_count",
    "is_volume", "contrast", "laterality", "view_position", "body_part", "image_type",
)
NUMERIC_ATTRIBUTES = frozenset({"series_number", "slice_thickness", "image_count"})
BOOLEAN_ATTRIBUTES = frozenset({"is_volume", "contrast"})


@dataclass(frozen=True)
class Rule:
    """Exactly one of ``equals`` (any of the values, case-insensitive), ``pattern`` or ``range`` is set."""

    attribute: str
    equals: tuple[object, ...] | None = None
    pattern: str | None = None
    range: tuple[float | None, float | None] | None = None
    weight: float = 1.0
    required: bool = False
    exclude: bool = False  # a candidate this rule matches is ruled out (the IOD's NO_MATCH)

    def matches(self, value: object) -> bool:
        values = value if isinstance(value, (tuple, list, frozenset, set)) else (value,)
        return any(self._matches_one(item) for item in values if item is not None and item != "")

    def _matches_one(self, value: object) -> bool:
        if self.equals is not None:
            return any(_same(value, expected) for expected in self.equals)
        if self.pattern is not None:
            return re.search(self.pattern, str(value), re.IGNORECASE) is not None
        if self.range is not None:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return False
            low, high = self.range
            return (low is None or value >= low) and (high is None or value <= high)
        return False

    def describe(self) -> str:
        """The rule in words, for "why did nothing match" messages."""
        if self.exclude:
            return "not " + Rule(self.attribute, self.equals, self.pattern, self.range).describe()
        if self.equals is not None:
            return f"{self.attribute} {' or '.join(str(value) for value in self.equals)}"
        if self.pattern is not None:
            return f"{self.attribute} like /{self.pattern}/"
        low, high = self.range or (None, None)
        if low is not None and high is not None:
            return f"{self.attribute} {low:g}-{high:g}"
        return f"{self.attribute} {'>= ' + format(low, 'g') if low is not None else '<= ' + format(high, 'g')}"


def score(rules: tuple[Rule, ...], attributes: dict[str, object]) -> float | None:
    """Sum of the weights of the rules that match; None when a required rule fails."""
    total = 0.0
    for rule in rules:
        matched = rule.matches(attributes.get(rule.attribute))
        if rule.exclude:
            if matched:
                return None
        elif matched:
            total += rule.weight
        elif rule.required:
            return None
    return total


def _same(value: object, expected: object) -> bool:
    if isinstance(expected, bool) or isinstance(value, bool):
        return bool(value) == bool(expected) and isinstance(value, bool) and isinstance(expected, bool)
    if isinstance(expected, (int, float)) and isinstance(value, (int, float)):
        return abs(float(value) - float(expected)) < 1e-6
    return str(value).strip().upper() == str(expected).strip().upper()
