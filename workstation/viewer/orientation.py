"""Orientation letters at the edges of a viewport, from the patient direction that points that way.

LPS axes: +x is the patient's Left, +y Posterior, +z Head (PS3.3 C.7.6.1.1.1 letters L/R, A/P, H/F).
An oblique direction gets up to three letters, the strongest first ("LA", "HLP").
"""

from __future__ import annotations

import numpy as np

_LETTERS = (("L", "R"), ("P", "A"), ("H", "F"))
OBLIQUE_THRESHOLD = 0.25


def orientation_label(direction: np.ndarray | tuple[float, float, float]) -> str:
    """Letters for an LPS direction: components smaller than ``OBLIQUE_THRESHOLD`` of the unit are left out."""
    vector = np.asarray(direction, dtype=float)
    length = np.linalg.norm(vector)
    if length == 0:
        return ""
    vector = vector / length
    order = np.argsort(-np.abs(vector))
    return "".join(
        _LETTERS[axis][0 if vector[axis] > 0 else 1] for axis in order if abs(vector[axis]) >= OBLIQUE_THRESHOLD
    )


def edge_labels(screen_right: np.ndarray, screen_down: np.ndarray) -> dict[str, str]:
    """Labels for the four edges given the patient directions of screen right and screen down."""
    return {
        "right": orientation_label(screen_right),
        "left": orientation_label(-np.asarray(screen_right)),
        "bottom": orientation_label(screen_down),
        "top": orientation_label(-np.asarray(screen_down)),
    }
