"""Volume rendering presets (transfer functions) as shipped data files: resources/vr_presets/*.json.

A preset is plain data, so a site can tune or add one without code; a broken file is reported by name
and the other presets still load.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from workstation.core.errors import WorkstationError
from workstation.core.resources import resource_path

log = logging.getLogger(__name__)

PRESET_FOLDER = resource_path("vr_presets")
BLEND_MODES = ("composite", "maximum_intensity", "minimum_intensity")


class PresetError(WorkstationError):
    """A preset file could not be used; the message names the file and what to fix."""


@dataclass(frozen=True)
class VolumeRenderingPreset:
    """Transfer functions over modality values (HU for CT) and the shading of one look."""

    key: str
    name: str
    description: str
    blend_mode: str
    shade: bool
    ambient: float
    diffuse: float
    specular: float
    specular_power: float
    scalar_opacity: tuple[tuple[float, float], ...]
    color: tuple[tuple[float, float, float, float], ...]


def _points(data: dict, field: str, width: int) -> tuple[tuple[float, ...], ...]:
    points = data.get(field)
    if not isinstance(points, list) or len(points) < 2:
        raise ValueError(f"'{field}' must list at least two points")
    rows = []
    for point in points:
        if not isinstance(point, list) or len(point) != width or not all(isinstance(v, (int, float)) for v in point):
            raise ValueError(f"each '{field}' point must be {width} numbers, not {point!r}")
        if not all(0.0 <= v <= 1.0 for v in point[1:]):
            raise ValueError(f"'{field}' values after the first must lie in 0..1, not {point!r}")
        rows.append(tuple(float(v) for v in point))
    positions = [row[0] for row in rows]
    if positions != sorted(positions):
        raise ValueError(f"'{field}' points must be in increasing order of value")
    return tuple(rows)


def read_preset(path: Path) -> VolumeRenderingPreset:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("blend_mode") not in BLEND_MODES:
            raise ValueError(f"'blend_mode' must be one of {', '.join(BLEND_MODES)}")
        return VolumeRenderingPreset(
            key=path.stem,
            name=str(data["name"]),
            description=str(data.get("description", "")),
            blend_mode=data["blend_mode"],
            shade=bool(data.get("shade", False)),
            ambient=float(data.get("ambient", 0.2)),
            diffuse=float(data.get("diffuse", 0.8)),
            specular=float(data.get("specular", 0.2)),
            specular_power=float(data.get("specular_power", 10.0)),
            scalar_opacity=_points(data, "scalar_opacity", 2),  # type: ignore[arg-type]
            color=_points(data, "color", 4),  # type: ignore[arg-type]
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        detail = f"missing field {error}" if isinstance(error, KeyError) else str(error)
        raise PresetError(f"Volume rendering preset {path.name} is invalid ({detail}); fix or remove it.") from error


def load_presets(folder: Path = PRESET_FOLDER) -> dict[str, VolumeRenderingPreset]:
    """All valid presets of ``folder`` by key (file name without .json); invalid files are logged and skipped."""
    presets = {}
    for path in sorted(folder.glob("*.json")):
        try:
            presets[path.stem] = read_preset(path)
        except PresetError as error:
            log.warning("%s", error)
    return presets
