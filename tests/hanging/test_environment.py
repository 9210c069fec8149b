"""Fewer screens than the protocol expects: every box still shown, in a sensible arrangement."""

from __future__ import annotations

from workstation.archive.records import StudyRecord
from workstation.hanging.environment import fit_screens
from workstation.hanging.exam import StudyFacts
from workstation.hanging.plan import build_plan
from workstation.hanging.schema import protocol_from_text


def test_two_screens_side_by_side_become_one_wide_grid():
    fit = fit_screens(("1x2", "1x2"), [2, 2], 1)
    assert fit.layouts == ("1x4",)
    assert [fit.placements[(s, c)] for s in (0, 1) for c in (0, 1)] == [(0, 0), (0, 1), (0, 2), (0, 3)]


def test_grids_of_different_heights_become_the_smallest_regular_grid():
    fit = fit_screens(("2x2", "1x1"), [4, 1], 1)
    assert fit.layouts == ("2x3",)
    assert sorted(fit.placements.values()) == [(0, cell) for cell in range(5)]


def test_too_wide_to_merge_side_by_side_keeps_every_box():
    fit = fit_screens(("2x2", "2x2", "2x2"), [4, 4, 4], 2)
    assert fit.layouts[0] == "2x2" and fit.layouts[1] == "2x4"
    assert len(set(fit.placements.values())) == 12


def test_enough_screens_change_nothing():
    fit = fit_screens(("1x2", "2x2"), [2, 3], 3)
    assert fit.layouts == ("1x2", "2x2") and fit.placements[(1, 2)] == (1, 2)


def test_plan_of_a_two_screen_protocol_on_one_screen():
    text = """
id: two
name: Two screens
screens: 2
stages:
  - layouts: [1x2, 1x2]
    boxes:
      - {image_set: current, label: a}
      - {image_set: current, label: b}
      - {image_set: current, label: c, screen: 2}
      - {image_set: current, label: d, screen: 2}
"""
    protocol, problems = protocol_from_text(text, "two.yaml")
    assert problems == []
    record = StudyRecord("1.2.3", "P", "", "N", "20240101", "", "", "", ("CT",), 0, 0, 0, 0.0, False)
    one = build_plan(protocol, StudyFacts(record, {}), [], screens=1).stages[0]
    two = build_plan(protocol, StudyFacts(record, {}), [], screens=2).stages[0]
    assert one.layouts == ("1x4",) and [(b.screen, b.cell, b.box.label) for b in one.boxes] == [
        (0, 0, "a"), (0, 1, "b"), (0, 2, "c"), (0, 3, "d")]
    assert two.layouts == ("1x2", "1x2") and [(b.screen, b.cell) for b in two.boxes] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert all(b.chosen is None and "no display set" in b.why_empty for b in one.boxes)
