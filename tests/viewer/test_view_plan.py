"""A hanging box names the exact display set (and phase) it chose, not only its series."""

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
