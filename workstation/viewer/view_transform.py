"""The mapping between image pixels and viewport pixels: fit, zoom, pan, rotation and flips.

Image coordinates are continuous (column x, row y) with pixel (c, r) covering [c, c+1) x [r, r+1), so
the image spans [0, columns] x [0, rows]. Pixel spacing is honoured, so non-square pixels display with
their true aspect. The widget paints with this matrix and the tools map pointer positions back with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _translation(x: float, y: float) -> np.ndarray:
    return np.array([[1.0, 0.0, x], [0.0, 1.0, y], [0.0, 0.0, 1.0]])


def _linear(matrix: np.ndarray) -> np.ndarray:
    result = np.eye(3)
    result[:2, :2] = matrix
    return result


def display_orientation(rotation_quarters: int, flip_horizontal: bool, flip_vertical: bool) -> np.ndarray:
    """2x2 matrix taking image-aligned mm to screen-aligned mm: rotate clockwise (screen y down), then flip."""
    quarters = rotation_quarters % 4
    rotation = np.linalg.matrix_power(np.array([[0.0, -1.0], [1.0, 0.0]]), quarters)
    flip = np.diag([-1.0 if flip_horizontal else 1.0, -1.0 if flip_vertical else 1.0])
    return flip @ rotation


@dataclass(frozen=True)
class ViewTransform:
    matrix: np.ndarray  # 3x3, image (x, y, 1) -> view (x, y, 1)
    scale: float  # view pixels per mm
    orientation: np.ndarray  # 2x2 image-aligned mm -> screen-aligned mm

    @classmethod
    def build(
        cls,
        view_size: tuple[float, float],
        image_size: tuple[int, int],
        spacing: tuple[float, float],
        zoom: float = 1.0,
        pan_mm: tuple[float, float] = (0.0, 0.0),
        rotation_quarters: int = 0,
        flip_horizontal: bool = False,
        flip_vertical: bool = False,
    ) -> ViewTransform:
        """``image_size`` is (columns, rows); ``spacing`` is (column spacing, row spacing) in mm."""
        view_width, view_height = view_size
        columns, rows = image_size
        column_spacing, row_spacing = spacing
        orientation = display_orientation(rotation_quarters, flip_horizontal, flip_vertical)
        extent = np.abs(orientation @ np.array([columns * column_spacing, rows * row_spacing]))
        fit = min(view_width / extent[0], view_height / extent[1]) if min(extent) > 0 else 1.0
        scale = fit * zoom
        matrix = (
            _translation(view_width / 2 + pan_mm[0] * scale, view_height / 2 + pan_mm[1] * scale)
            @ _linear(scale * orientation @ np.diag([column_spacing, row_spacing]))
            @ _translation(-columns / 2, -rows / 2)
        )
        return cls(matrix=matrix, scale=scale, orientation=orientation)

    def to_view(self, points: np.ndarray | tuple[float, float]) -> np.ndarray:
        points = np.atleast_2d(np.asarray(points, dtype=float))
        return (points @ self.matrix[:2, :2].T) + self.matrix[:2, 2]

    def to_image(self, points: np.ndarray | tuple[float, float]) -> np.ndarray:
        inverse = np.linalg.inv(self.matrix)
        points = np.atleast_2d(np.asarray(points, dtype=float))
        return (points @ inverse[:2, :2].T) + inverse[:2, 2]

    def screen_directions_in_image(self) -> tuple[np.ndarray, np.ndarray]:
        """Unit vectors, in image-aligned mm (x along rows, y down columns), of screen right and screen down."""
        inverse = np.linalg.inv(self.orientation)
        return inverse @ np.array([1.0, 0.0]), inverse @ np.array([0.0, 1.0])
