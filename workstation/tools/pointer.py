"""Pointer events independent of Qt: where the pointer is on screen and on the image, and what was pressed."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from workstation.viewer.reading_session import ReadingSession
from workstation.viewer.view_transform import ViewTransform
from workstation.viewer.viewport import Viewport


class Button(enum.Enum):
    LEFT = "left"
    MIDDLE = "middle"
    RIGHT = "right"
    NONE = "none"


@dataclass(frozen=True)
class PointerEvent:
    view_position: tuple[float, float]  # viewport pixels, y down
    image_position: tuple[float, float]  # image coordinates (column, row), see viewer.view_transform
    button: Button = Button.LEFT
    shift: bool = False
    ctrl: bool = False


@dataclass
class ToolContext:
    """What a tool acts on: the session (for sync and measurements), the viewport, the screen mapping."""

    session: ReadingSession
    viewport: Viewport
    view_scale: float  # view pixels per mm
    transform: ViewTransform | None = None
