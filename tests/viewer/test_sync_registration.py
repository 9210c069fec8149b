"""Linked scrolling between stacks in different frames of reference follows a registration when there is one."""

from __future__ import annotations

import numpy as np

from workstation.viewer.phantoms import phantom_stack
from workstation.viewer.sync import SyncGroup
from workstation.viewer.viewport import Viewport


def test_registered_prior_follows_the_anatomy_not_the_image_offset():
    current = Viewport(phantom_stack("current", slices=30, frame_of_reference_uid="1.1"))
    prior = Viewport(phantom_stack("prior", slices=30, frame_of_reference_uid="2.2", origin=(-100.0, -100.0, 0.0)))
    group = SyncGroup(viewports=[current, prior])
    group.set_link_scroll(True)
    current.go_to(10)
    group.propagate(current)
    assert prior.slice_index == 10  # offset linking: image numbers
    # the prior's z = current's z + 50 mm + 10 mm (the patient lay 10 mm further along): 60 mm = 24 slices
    matrix = np.eye(4)
    matrix[2, 3] = 10.0
    group.set_registration("current", "prior", matrix)
    current.go_to(16)
    group.propagate(current)
    # current slice 16 is at z = -50 + 40 = -10; the prior shows z = 0 there: its slice 0
    assert prior.slice_index == 0
    prior.go_to(8)  # prior z = 20 -> current z = 10 -> current slice 24
    group.propagate(prior)
    assert current.slice_index == 24
    group.set_registration("current", "prior", None)
    assert not group.is_registered("current", "prior")


def test_each_link_kind_has_its_own_members_and_a_viewport_can_leave_them_all():
    a, b, c = (Viewport(phantom_stack(uid, slices=10)) for uid in "abc")
    group = SyncGroup(viewports=[a, b, c], link_scroll=True, link_window=True)
    group.set_members("scroll", [a, b])  # as a hanging protocol's scroll group of two boxes
    a.go_to(4)
    a.set_window(100, 500)
    assert set(map(id, group.propagate(a))) == {id(b), id(c)}
    assert (b.slice_index, c.slice_index) == (4, 0)  # c is not in the scroll group
    assert b.window == a.window and c.window == a.window  # but it follows the window
    assert group.toggle_member(c) is False  # c leaves every link
    a.set_window(50, 300)
    group.propagate(a)
    assert c.window.width == 500 and b.window.width == 300
    assert group.toggle_member(c) is True
    group.set_members("scroll", None)
    a.go_to(6)
    group.propagate(a)
    assert c.slice_index == 6


def test_two_scroll_groups_in_one_stage_scroll_independently_and_any_member_leads_its_group():
    current_axial, current_lung, prior_axial, prior_lung = (
        Viewport(phantom_stack(uid, slices=30, frame_of_reference_uid=uid)) for uid in ("c1", "c2", "p1", "p2"))
    group = SyncGroup(viewports=[current_axial, current_lung, prior_axial, prior_lung], link_window=True)
    group.set_groups("scroll", [[current_axial, current_lung], [prior_axial, prior_lung]])
    group.set_groups("window", [[current_axial, prior_axial]])
    prior_lung.go_to(5)  # the prior pair starts 5 images further on
    group.set_link_scroll(True)
    current_axial.go_to(10)
    group.propagate(current_axial)
    assert (current_lung.slice_index, prior_axial.slice_index, prior_lung.slice_index) == (10, 0, 5)
    prior_axial.go_to(3)
    group.propagate(prior_axial)
    assert (prior_lung.slice_index, current_axial.slice_index) == (8, 10)  # the offset kept, the other pair still
    prior_lung.go_to(20)
    group.propagate(prior_lung)  # the second member leads too, with the offset the other way round
    assert prior_axial.slice_index == 15
    current_axial.set_window(400, 40)
    group.propagate(current_axial)
    assert prior_axial.window == current_axial.window and current_lung.window != current_axial.window


def test_reference_line_groups_say_which_viewports_draw_the_active_plane():
    a, b, c = (Viewport(phantom_stack(uid, slices=10)) for uid in "abc")
    group = SyncGroup(viewports=[a, b, c])
    assert group.shows_reference_line(a, c)  # no groups: all
    group.set_groups("reference_lines", [[a, b]])
    assert group.shows_reference_line(a, b) and not group.shows_reference_line(a, c)
    group.reset_groups()
    assert group.shows_reference_line(a, c)
