"""Screens: a protocol names how many it expects and which boxes go on which; fewer screens still show every box.

On fewer screens than nominal, the screens that do not exist are merged into the last real one: side by
side when their grids share a row count and fit (screen 1 left, screen 2 right, as a reader would have
seen them), otherwise the smallest regular grid holding every box, in screen order. Boxes are never hidden.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from workstation.viewer.layout import MAX_GRID, parse_layout


@dataclass(frozen=True)
class ScreenFit:
    layouts: tuple[str, ...]  # one per available screen
    placements: dict[tuple[int, int], tuple[int, int]]  # (nominal screen, cell) -> (screen, cell), from 0


def fit_screens(layouts: tuple[str, ...], boxes_per_screen: list[int], available: int) -> ScreenFit:
    available = max(1, available)
    if len(layouts) <= available:
        placements = {(screen, cell): (screen, cell)
                      for screen, count in enumerate(boxes_per_screen) for cell in range(count)}
        return ScreenFit(tuple(layouts), placements)
    last = available - 1
    placements = {(screen, cell): (screen, cell) for screen in range(last) for cell in range(boxes_per_screen[screen])}
    merged = layouts[last:]
    grids = [parse_layout(name) for name in merged]
    columns = sum(grid.columns for grid in grids)
    if len({grid.rows for grid in grids}) == 1 and columns <= MAX_GRID and all(
            len(grid) == grid.rows * grid.columns for grid in grids):
        offset = 0
        for number, grid in enumerate(grids):
            for cell in range(boxes_per_screen[last + number]):
                row, column = divmod(cell, grid.columns)
                placements[(last + number, cell)] = (last, row * columns + offset + column)
            offset += grid.columns
        layout = f"{grids[0].rows}x{columns}"
    else:
        count = max(sum(boxes_per_screen[last:]), 1)
        grid_columns = min(MAX_GRID, math.ceil(math.sqrt(count)))
        layout = f"{math.ceil(count / grid_columns)}x{grid_columns}"
        position = 0
        for number in range(len(merged)):
            for cell in range(boxes_per_screen[last + number]):
                placements[(last + number, cell)] = (last, position)
                position += 1
    return ScreenFit((*layouts[:last], layout), placements)
