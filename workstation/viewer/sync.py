"""Sync groups: viewports that scroll, window or zoom together (current vs prior, side-by-side series).

Scrolling follows the patient position when both stacks share a frame of reference and are parallel;
otherwise it follows a rigid registration of the two volumes when one was computed (current vs prior in
different frames of reference), else it keeps the image-number offset the user had when the link was
switched on.

Each kind of link (scroll, window, zoom) has its own groups: by default one group of every viewport, or
the groups a hanging protocol's stage names (e.g. current pair scrolls together, prior pair together, the two
pairs independent), or what the reader left linked (a viewport can be taken out of all links, e.g. a third
series beside a current/prior pair). A viewport follows a source only when one group of that kind holds
both. Reference lines have groups too: the active viewport's plane is drawn on the viewports of its groups.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from workstation.viewer.viewport import Viewport

PARALLEL_TOLERANCE = 0.99


def same_space(a: Viewport, b: Viewport) -> bool:
    """True when positions in ``a`` mean the same place in ``b``: one frame of reference, parallel planes."""
    if a.stack is None or b.stack is None or not a.image_count or not b.image_count:
        return False
    if not a.stack.frame_of_reference_uid or a.stack.frame_of_reference_uid != b.stack.frame_of_reference_uid:
        return False
    return abs(float(np.dot(a.stack.planes[0].normal, b.stack.planes[0].normal))) >= PARALLEL_TOLERANCE


SCROLL, WINDOW, ZOOM, REFERENCE_LINES = "scroll", "window", "zoom", "reference_lines"
LINK_KINDS = (SCROLL, WINDOW, ZOOM)
GROUP_KINDS = (*LINK_KINDS, REFERENCE_LINES)


@dataclass
class SyncGroup:
    viewports: list[Viewport] = field(default_factory=list)
    groups: dict[str, list[list[Viewport]]] = field(default_factory=dict)  # kind -> its groups; absent: one of all
    link_scroll: bool = False
    link_window: bool = False
    link_zoom: bool = False
    anchors: dict[int, int] = field(default_factory=dict)  # id(viewport) -> its slice when scrolling was linked
    registrations: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)  # (from, to) stack uid -> 4x4

    def set_registration(self, current_uid: str, prior_uid: str, current_to_prior: np.ndarray | None) -> None:
        """Scroll these two stacks by the registered anatomy (both ways), or forget it (None)."""
        if current_to_prior is None:
            self.registrations.pop((current_uid, prior_uid), None)
            self.registrations.pop((prior_uid, current_uid), None)
            return
        matrix = np.asarray(current_to_prior, dtype=float)
        self.registrations[(current_uid, prior_uid)] = matrix
        self.registrations[(prior_uid, current_uid)] = np.linalg.inv(matrix)

    def set_groups(self, kind: str, groups: list[list[Viewport]] | None) -> None:
        """Link ``kind`` (scroll, window, zoom or reference_lines) within each of these groups only, the groups
        independent of each other; None: one group of every viewport again."""
        if kind not in GROUP_KINDS:
            raise ValueError(f"unknown link kind {kind!r}")
        if groups is None:
            self.groups.pop(kind, None)
        else:
            self.groups[kind] = [list(group) for group in groups]

    def set_members(self, kind: str, viewports: list[Viewport] | None) -> None:
        """Link only these viewports for ``kind``, as one group; None: every viewport again."""
        self.set_groups(kind, None if viewports is None else [viewports])

    def groups_of(self, kind: str) -> list[list[Viewport]]:
        return self.groups.get(kind, [self.viewports])

    def is_member(self, kind: str, viewport: Viewport) -> bool:
        return any(member is viewport for group in self.groups_of(kind) for member in group)

    def reset_groups(self) -> None:
        """A new reading: every kind links every viewport again."""
        self.groups.clear()

    def toggle_member(self, viewport: Viewport) -> bool:
        """Take a viewport out of every link (when it is in any), or put it back in all of them (the first
        group of each kind); True if it is now linked."""
        linked = not any(self.is_member(kind, viewport) for kind in LINK_KINDS)
        for kind in LINK_KINDS:
            groups = [[v for v in group if v is not viewport] for group in self.groups_of(kind)] or [[]]
            if linked:
                groups[0].append(viewport)
            self.groups[kind] = groups
        return linked

    def shows_reference_line(self, active: Viewport, viewport: Viewport) -> bool:
        """Whether ``viewport`` draws the active viewport's plane: a reference-line group holds both."""
        return self._linked(REFERENCE_LINES, active, viewport)

    def is_registered(self, a_uid: str, b_uid: str) -> bool:
        return (a_uid, b_uid) in self.registrations

    def set_link_scroll(self, enabled: bool) -> None:
        """Switch scroll linking; the image-number offsets between stacks in different spaces are taken from
        now (each viewport's slice now is its anchor), so any member of a group can lead it afterwards."""
        self.link_scroll = enabled
        self.anchors = {id(viewport): viewport.slice_index for viewport in self.viewports} if enabled else {}

    def propagate(self, source: Viewport) -> list[Viewport]:
        """Bring the others in line with ``source``; returns those that changed."""
        changed = []
        for target in self.viewports:
            if target is source or target.stack is None:
                continue
            moved = False
            if self.link_scroll and source.stack is not None and self._linked(SCROLL, source, target):
                registration = self.registrations.get((source.stack.uid, target.stack.uid))
                if same_space(source, target):
                    position = source.current_plane().patient_position(0, 0)
                    moved |= target.go_to(target.stack.nearest_index(position))
                elif registration is not None and source.image_count and target.image_count:
                    centre = source.current_plane().patient_position(source.stack.columns / 2, source.stack.rows / 2)
                    position = (registration @ np.append(centre, 1.0))[:3]
                    moved |= target.go_to(target.stack.nearest_index(position))
                else:
                    offset = self.anchors.get(id(target), 0) - self.anchors.get(id(source), 0)
                    moved |= target.go_to(source.slice_index + offset)
            if (self.link_window and source.window is not None and target.window != source.window
                    and self._linked(WINDOW, source, target)):
                target.window = source.window
                moved = True
            if (self.link_zoom and (target.zoom, target.pan_mm) != (source.zoom, source.pan_mm)
                    and self._linked(ZOOM, source, target)):
                target.zoom, target.pan_mm = source.zoom, source.pan_mm
                moved = True
            if moved:
                changed.append(target)
        return changed

    def _linked(self, kind: str, source: Viewport, target: Viewport) -> bool:
        return any(any(v is source for v in group) and any(v is target for v in group)
                   for group in self.groups_of(kind))
