"""Sync groups: viewports that scroll, window or zoom together (current vs prior, side-by-side series).

Scrolling follows the patient position when both stacks share a frame of reference and are parallel;
otherwise it follows a rigid registration of the two volumes when one was computed (current vs prior in
different frames of reference), else it keeps the image-number offset the user had when the link was
switched on.

Each kind of link (scroll, window, zoom) has its own members: by default every viewport of the group, or
the viewports a hanging protocol's sync group names, or those the reader left linked (a viewport can be
taken out of all links, e.g. a third series beside a current/prior pair).
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


SCROLL, WINDOW, ZOOM = "scroll", "window", "zoom"
LINK_KINDS = (SCROLL, WINDOW, ZOOM)


@dataclass
class SyncGroup:
    viewports: list[Viewport] = field(default_factory=list)
    members: dict[str, list[Viewport]] = field(default_factory=dict)  # kind -> its viewports; absent: all
    link_scroll: bool = False
    link_window: bool = False
    link_zoom: bool = False
    offsets: dict[int, int] = field(default_factory=dict)  # id(viewport) -> index offset from the source
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

    def set_members(self, kind: str, viewports: list[Viewport] | None) -> None:
        """Link only these viewports for ``kind`` (scroll, window or zoom); None: every viewport again."""
        if kind not in LINK_KINDS:
            raise ValueError(f"unknown link kind {kind!r}")
        if viewports is None:
            self.members.pop(kind, None)
        else:
            self.members[kind] = list(viewports)

    def is_member(self, kind: str, viewport: Viewport) -> bool:
        return any(member is viewport for member in self.members.get(kind, self.viewports))

    def toggle_member(self, viewport: Viewport) -> bool:
        """Take a viewport out of every link (when it is in any), or put it back in all of them; True if it
        is now linked."""
        linked = not any(self.is_member(kind, viewport) for kind in LINK_KINDS)
        for kind in LINK_KINDS:
            others = [v for v in self.members.get(kind, self.viewports) if v is not viewport]
            self.members[kind] = others + [viewport] if linked else others
        return linked

    def is_registered(self, a_uid: str, b_uid: str) -> bool:
        return (a_uid, b_uid) in self.registrations

    def set_link_scroll(self, enabled: bool, source: Viewport | None = None) -> None:
        """Switch scroll linking; the offsets between stacks in different spaces are taken from now."""
        self.link_scroll = enabled
        self.offsets.clear()
        if enabled and source is not None:
            for viewport in self.viewports:
                if viewport is not source:
                    self.offsets[id(viewport)] = viewport.slice_index - source.slice_index

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
                    moved |= target.go_to(source.slice_index + self.offsets.get(id(target), 0))
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
        return self.is_member(kind, source) and self.is_member(kind, target)
