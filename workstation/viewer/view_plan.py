"""What a hanging protocol (or a command line) asks the reading screen to show, box by box.

A ``ViewportBox`` names a display set by its series (and study, and the exact display set and phase a
hanging protocol chose: the stack uid) and says how to show it: a 2D stack, one of
the MPR planes (the MPR panel opens with that plane active) or 3D, with an optional window preset and
slab. ``ReadingView.apply_layout(layout_name, boxes)`` carries it out; the matching itself is the hanging
engine's job (workstation.hanging).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from workstation.viewer.image_stack import ImageStack
from workstation.volume.mpr import AXIAL, CORONAL, SAGITTAL, Slab


class ViewType(enum.Enum):
    STACK = "stack"
    MPR_AXIAL = "mpr_axial"
    MPR_CORONAL = "mpr_coronal"
    MPR_SAGITTAL = "mpr_sagittal"
    VOLUME_RENDERING = "3d"

    @property
    def mpr_plane(self) -> str | None:
        return {ViewType.MPR_AXIAL: AXIAL, ViewType.MPR_CORONAL: CORONAL, ViewType.MPR_SAGITTAL: SAGITTAL}.get(self)


@dataclass(frozen=True)
class ViewportBox:
    """One box of a hanging: which display set (series UID, optionally its study) and how to show it.

    ``stack_uid`` ("series/display set/phase", as the reading screen's ImageStack) names the exact display
    set and phase when a series has several (a scout and the axial images, the phases of a multiphase CT).
    ``window_preset`` is a preset name from resources/presets (e.g. "Lung"), matched case-insensitively;
    ``slab`` applies to MPR boxes, ``volume_preset`` (a 3D preset key, e.g. "bone") to 3D boxes. A box without a series stays empty and shows ``expected`` (what the
    hanging protocol looked for and why nothing matched).
    """

    series_instance_uid: str
    study_instance_uid: str = ""
    view: ViewType = ViewType.STACK
    window_preset: str = ""
    slab: Slab | None = None
    expected: str = ""
    stack_uid: str = ""
    volume_preset: str = ""


def find_stack(stacks: list[ImageStack], box: ViewportBox) -> ImageStack | None:
    """The display set the box names by ``stack_uid`` when it is open; else the box's series (and study, when
    it names one): the largest when a series splits into several display sets."""
    exact = [s for s in stacks if box.stack_uid and s.uid == box.stack_uid
             and (not box.study_instance_uid or s.study_instance_uid == box.study_instance_uid)]
    if exact:
        return exact[0]
    matches = [s for s in stacks if s.uid.split("/", 1)[0] == box.series_instance_uid
               and (not box.study_instance_uid or s.study_instance_uid == box.study_instance_uid)]
    return max(matches, key=len) if matches else None
