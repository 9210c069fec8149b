"""A hanging protocol as data, after the DICOM Hanging Protocol IOD (PS3.3 C.23).

Definition (study rules) -> image sets (the current study and priors) -> stages (the IOD's display set
presentation groups), each a layout of boxes; a box selects one display set of one image set and says how
to show it (reformatting, window preset, zoom, slice, inversion). Synchronisation groups tie boxes of a
stage together. ``screens`` is the nominal number of screens (the IOD's environment); boxes name theirs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workstation.hanging.rules import Rule

LEVELS = ("USER", "GROUP", "SITE")
"""Most specific first: on an equal score a USER protocol beats a GROUP one, which beats a SITE one."""
VIEWS = ("stack", "mpr", "3d")
PLANES = ("axial", "coronal", "sagittal")
SLAB_MODES = ("mip", "minip", "average")
SLICE_POSITIONS = ("first", "middle", "last")
SYNC_KINDS = ("scroll", "window", "zoom", "reference_lines")
SORT_KEYS = ("image_count", "series_number", "slice_thickness")


@dataclass(frozen=True)
class ImageSet:
    """The current study, or a prior: the n-th most recent (``prior_number`` 1, 2, ...; -1 the oldest),
    optionally no older than ``within_days`` before the current study, and passing ``rules``."""

    name: str
    prior_number: int = 0  # 0: the current study
    within_days: float | None = None
    rules: tuple[Rule, ...] = ()

    @property
    def is_prior(self) -> bool:
        return self.prior_number != 0


@dataclass(frozen=True)
class Reformat:
    """How a box shows its display set: as acquired (stack), as an MPR plane (with an optional slab) or 3D."""

    view: str = "stack"
    plane: str | None = None
    slab_thickness_mm: float | None = None
    slab_mode: str | None = None
    volume_preset: str | None = None


@dataclass(frozen=True)
class Box:
    image_set: str
    rules: tuple[Rule, ...] = ()
    sort: tuple[str, ...] = ()  # tie-breakers among equal scores: "-image_count" = most images first
    reformat: Reformat = field(default_factory=Reformat)
    window: str | None = None  # a window preset name, e.g. "Lung"
    zoom: float | None = None
    slice: str | None = None  # first / middle / last
    invert: bool = False
    screen: int = 1
    label: str = ""
    distinct: bool = False  # only a display set no earlier box of the stage shows

    def expectation(self) -> str:
        """What this box wants, in words: shown in an empty box and by ``workstation hang``."""
        wanted = ", ".join(rule.describe() for rule in self.rules if rule.required or rule.exclude) or "any display set"
        return f"{self.label or self.image_set}: {wanted} ({self.image_set})"


@dataclass(frozen=True)
class SyncGroup:
    kind: str
    boxes: tuple[int, ...]  # indexes of the stage's boxes, from 0


@dataclass(frozen=True)
class Stage:
    name: str
    layouts: tuple[str, ...]  # one layout per nominal screen ("2x2", "1+2", ...)
    boxes: tuple[Box, ...]
    sync: tuple[SyncGroup, ...] = ()


@dataclass(frozen=True)
class HangingProtocol:
    id: str
    name: str
    stages: tuple[Stage, ...]
    image_sets: tuple[ImageSet, ...] = (ImageSet("current"),)
    rules: tuple[Rule, ...] = ()
    description: str = ""
    level: str = "SITE"
    owner: str = ""
    screens: int = 1
    source: str = ""  # the file it was read from (for messages)
    order: int = 0  # position among the loaded protocols, the last tie-breaker

    def image_set(self, name: str) -> ImageSet:
        return next(image_set for image_set in self.image_sets if image_set.name == name)
