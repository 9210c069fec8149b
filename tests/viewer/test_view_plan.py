"""A hanging box names the exact display set (and phase) it chose, not only its series; layouts per screen."""

from __future__ import annotations

from workstation.viewer.phantoms import phantom_stack
from workstation.viewer.view_plan import ViewportBox, find_stack


def _series_with_two_display_sets():
    scout = phantom_stack(uid="1.2.3/0/0", slices=3, size=8)
    axial = phantom_stack(uid="1.2.3/1/0", slices=20, size=8)
    late_phase = phantom_stack(uid="1.2.3/1/1", slices=20, size=8)
    for stack in (scout, axial, late_phase):
        stack.study_instance_uid = "9.9"
    return [scout, axial, late_phase]


def test_the_box_gets_the_display_set_the_plan_chose_even_when_it_is_not_the_largest():
    scout, axial, late_phase = _series_with_two_display_sets()
    stacks = [scout, axial, late_phase]

    assert find_stack(stacks, ViewportBox("1.2.3", "9.9", stack_uid="1.2.3/0/0")) is scout
    assert find_stack(stacks, ViewportBox("1.2.3", "9.9", stack_uid="1.2.3/1/1")) is late_phase


def test_without_a_stack_uid_or_when_it_is_not_open_the_series_largest_display_set_is_shown():
    scout, axial, late_phase = _series_with_two_display_sets()
    stacks = [scout, axial, late_phase]

    assert find_stack(stacks, ViewportBox("1.2.3")) is axial
    assert find_stack(stacks, ViewportBox("1.2.3", stack_uid="1.2.3/7/0")) is axial
    assert find_stack(stacks, ViewportBox("1.2.3", "another study", stack_uid="1.2.3/0/0")) is None


def test_a_layout_per_screen_side_by_side_each_screen_as_wide():
    from workstation.viewer.layout import Cell, parse_layout

    layout = parse_layout("2x2|1x1")
    assert (layout.rows, layout.columns, len(layout)) == (2, 4, 5)
    assert layout.cells[:4] == (Cell(0, 0), Cell(0, 1), Cell(1, 0), Cell(1, 1))
    assert layout.cells[4] == Cell(0, 2, 2, 2)  # screen 2's single image fills its half
