"""Cine: playing a stack as a loop at an adjustable frame rate."""

from __future__ import annotations

from dataclasses import dataclass

MIN_FPS = 1.0
MAX_FPS = 60.0
FPS_STEPS = (1, 2, 4, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60)


@dataclass
class Cine:
    fps: float = 10.0
    playing: bool = False

    @property
    def interval_ms(self) -> int:
        return max(1, round(1000 / self.fps))

    def faster(self) -> None:
        self.fps = next((s for s in FPS_STEPS if s > self.fps), MAX_FPS)

    def slower(self) -> None:
        self.fps = next((s for s in reversed(FPS_STEPS) if s < self.fps), MIN_FPS)

    def set_fps(self, fps: float) -> None:
        self.fps = min(MAX_FPS, max(MIN_FPS, float(fps)))

    @staticmethod
    def next_index(index: int, count: int) -> int:
        """The frame after ``index``, looping back to the first at the end."""
        return (index + 1) % count if count else 0
