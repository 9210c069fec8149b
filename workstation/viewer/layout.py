"""Viewport layouts: uniform grids (1x1 up to 4x4) and uneven ones such as "1+2" (one tall, two stacked)."""

from __future__ import annotations

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
    """"RxC" (rows x columns, each 1-4) or one of the uneven layouts ("1+2", "2+1", "1+3")."""
    name = name.strip().lower()
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
