"""Per-frame and shared functional groups of enhanced multi-frame images (PS3.3 C.7.6.16).

A frame's attribute (rescale, window, position...) sits in its Per-Frame Functional Groups item, else in
the Shared Functional Groups; both are looked up here so that every consumer follows the same order.
"""

from __future__ import annotations

from pydicom.dataset import Dataset


def frame_group_item(dataset: Dataset, sequence_keyword: str, frame_index: int) -> Dataset | None:
    """The first item of ``sequence_keyword`` for one frame (per-frame first, then shared), or None."""
    per_frame = dataset.get("PerFrameFunctionalGroupsSequence")
    if per_frame and 0 <= frame_index < len(per_frame):
        found = per_frame[frame_index].get(sequence_keyword)
        if found:
            return found[0]
    shared = dataset.get("SharedFunctionalGroupsSequence")
    if shared:
        found = shared[0].get(sequence_keyword)
        if found:
            return found[0]
    return None
