"""Viewport layouts: uniform grids (1x1 up to 4x4) and uneven ones such as "1+2" (one tall, two stacked).

A reading window that spans several image screens shows one layout per screen side by side, each screen the
same width: "2x2|1x2" (screen 1 a 2x2 grid, screen 2 two images side by side); cells count screen by screen.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from workstation.core.errors import WorkstationError


@dataclass(frozen=True)
class Cell:
    row: int
    column: int
    row_span: int = 1
    column_span: int = 1


@dataclass(frozen=True)
class Layout:
    name: str
    rows: int
    columns: int
    cells: tuple[Cell, ...]

    def __len__(self) -> int:
        return len(self.cells)


_UNEVEN = {
    "1+2": Layout("1+2", 2, 2, (Cell(0, 0, 2, 1), Cell(0, 1), Cell(1, 1))),
    "2+1": Layout("2+1", 2, 2, (Cell(0, 0), Cell(1, 0), Cell(0, 1, 2, 1))),
    "1+3": Layout("1+3", 3, 2, (Cell(0, 0, 3, 1), Cell(0, 1), Cell(1, 1), Cell(2, 1))),
}
MAX_GRID = 4
LAYOUT_NAMES = ("1x1", "1x2", "2x1", "1+2", "2+1", "1+3", "2x2", "2x3", "3x3", "4x4")


def parse_layout(name: str) -> Layout:
    """"RxC" (rows x columns, each 1-4), one of the uneven layouts ("1+2", "2+1", "1+3"), or such layouts
    joined by "|", one per screen."""
    name = name.strip().lower()
    if "|" in name:
        return _side_by_side(name, [parse_layout(part) for part in name.split("|")])
    if name in _UNEVEN:
        return _UNEVEN[name]
    match = re.fullmatch(r"([1-9])x([1-9])", name)
    if not match or not (1 <= int(match[1]) <= MAX_GRID and 1 <= int(match[2]) <= MAX_GRID):
        raise WorkstationError(
            f"Unknown layout '{name}'. Use rows x columns from 1x1 to 4x4 (e.g. 2x2) or one of "
            f"{', '.join(_UNEVEN)}."
        )
    rows, columns = int(match[1]), int(match[2])
    return Layout(name, rows, columns, tuple(Cell(r, c) for r in range(rows) for c in range(columns)))


def _side_by_side(name: str, screens: list[Layout]) -> Layout:
    """One grid of the screens' layouts left to right, each as wide as the others (cells scaled to fit)."""
    if sum(len(screen) for screen in screens) > MAX_GRID * MAX_GRID:
        raise WorkstationError(f"Layout '{name}' has more than {MAX_GRID * MAX_GRID} images; use smaller grids.")
    rows = math.lcm(*(screen.rows for screen in screens))
    columns = math.lcm(*(screen.columns for screen in screens))
    cells = []
    for number, screen in enumerate(screens):
        row_scale, column_scale = rows // screen.rows, columns // screen.columns
        cells.extend(Cell(cell.row * row_scale, number * columns + cell.column * column_scale,
                          cell.row_span * row_scale, cell.column_span * column_scale) for cell in screen.cells)
    return Layout(name, rows, columns * len(screens), tuple(cells))
