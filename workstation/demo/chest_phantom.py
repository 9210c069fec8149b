"""An anatomy-like chest made of simple solids, in Hounsfield units at any point of patient space (LPS mm).

Shared by the demo CT (sampled on the slice grid) and the demo chest radiograph (projected along the
antero-posterior axis), so both show the same body: outline, subcutaneous fat, lungs above domed
hemidiaphragms, heart, trachea, descending aorta, vertebrae with discs, ribs, sternum, clavicles, and an
optional solid nodule in the right upper lobe that grows between prior and current.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

AIR_HU = -1000.0
LUNG_HU = -850.0
FAT_HU = -100.0
SOFT_TISSUE_HU = 40.0
LIVER_HU = 60.0
DISC_HU = 80.0
BONE_HU = 700.0
NODULE_HU = 30.0


@dataclass(frozen=True)
class ChestAnatomy:
    """Body size (half width and half depth of the trunk, mm) and the nodule (radius 0: none)."""

    half_width: float = 160.0
    half_depth: float = 110.0
    nodule_radius_mm: float = 0.0

    @property
    def nodule_centre(self) -> tuple[float, float, float]:
        """In the right upper lobe (LPS: right is negative x)."""
        return (-0.5 * self.half_width, -0.18 * self.half_depth, 50.0)

    @property
    def right_lung_centre(self) -> tuple[float, float, float]:
        return (-0.45 * self.half_width, 0.05 * self.half_depth, 10.0)

    @property
    def vertebral_body_centre(self) -> tuple[float, float]:
        return (0.0, 0.55 * self.half_depth)


def _ellipsoid(x, y, z, centre, semi_axes) -> np.ndarray:
    return (
        ((x - centre[0]) / semi_axes[0]) ** 2
        + ((y - centre[1]) / semi_axes[1]) ** 2
        + ((z - centre[2]) / semi_axes[2]) ** 2
    )


def chest_hounsfield(x: np.ndarray, y: np.ndarray, z: np.ndarray, anatomy: ChestAnatomy) -> np.ndarray:
    """HU at the points given by broadcastable coordinate arrays (mm, LPS; z = 0 near the carina level)."""
    x, y, z = np.broadcast_arrays(*(np.asarray(v, dtype=np.float32) for v in (x, y, z)))
    a, b = anatomy.half_width, anatomy.half_depth
    hu = np.full(x.shape, AIR_HU, dtype=np.float32)

    # Trunk, narrowing through the shoulders into the neck above z = 130 mm.
    shoulder = np.clip((z - 130.0) / 45.0, 0.0, 1.0)
    trunk_a = a - shoulder * (a - 60.0)
    trunk_b = b - shoulder * (b - 65.0)
    trunk = (x / trunk_a) ** 2 + (y / trunk_b) ** 2
    hu[trunk <= 1.0] = FAT_HU
    hu[(x / (trunk_a - 14.0)) ** 2 + (y / (trunk_b - 14.0)) ** 2 <= 1.0] = SOFT_TISSUE_HU

    # Liver under the right hemidiaphragm.
    hu[(_ellipsoid(x, y, z, (-0.3 * a, 0.0, -150.0), (0.62 * a, 0.72 * b, 90.0)) <= 1.0)] = LIVER_HU

    # Lungs: ellipsoids cut from below by domed hemidiaphragms.
    for side in (-1.0, 1.0):
        centre = (side * 0.45 * a, 0.05 * b, 10.0)
        semi_axes = (0.36 * a, 0.7 * b, 140.0)
        radial = ((x - centre[0]) / semi_axes[0]) ** 2 + ((y - centre[1]) / semi_axes[1]) ** 2
        dome = -105.0 + 45.0 * np.clip(1.0 - radial, 0.0, 1.0) + (8.0 if side < 0 else 0.0)
        hu[(_ellipsoid(x, y, z, centre, semi_axes) <= 1.0) & (z > dome)] = LUNG_HU

    # Heart, leaning to the patient's left and forwards.
    hu[_ellipsoid(x, y, z, (0.12 * a, -0.2 * b, -45.0), (0.38 * a, 0.45 * b, 62.0)) <= 1.0] = SOFT_TISSUE_HU
    # Descending aorta and trachea.
    hu[((x - 0.12 * a) ** 2 + (y - 0.3 * b) ** 2 <= 12.0**2) & (z < 75.0) & (z > -130.0)] = SOFT_TISSUE_HU
    hu[((x**2 + (y + 0.1 * b) ** 2) <= 9.0**2) & (z > 30.0)] = AIR_HU

    # Spine: vertebral bodies with discs every 28 mm, the posterior arch around the canal.
    spine_x, spine_y = anatomy.vertebral_body_centre
    vertebral_body = (x - spine_x) ** 2 + (y - spine_y) ** 2 <= 16.0**2
    disc = np.abs(np.mod(z + 14.0, 28.0) - 14.0) < 3.0
    hu[vertebral_body] = np.where(disc[vertebral_body], DISC_HU, BONE_HU)
    canal_y = spine_y + 27.0
    canal_r2 = (x - spine_x) ** 2 + (y - canal_y) ** 2
    arch = ((canal_r2 > 8.0**2) & (canal_r2 <= 13.0**2)) | ((np.abs(x - spine_x) < 5.0) & (y > canal_y) & (y < canal_y + 20.0))
    hu[arch & ~disc] = BONE_HU
    hu[canal_r2 <= 8.0**2] = SOFT_TISSUE_HU

    # Ribs: bands along the inner trunk wall, 50 mm lower in front than at the back, one pair every 22 mm.
    rib_a, rib_b = a - 22.0, b - 20.0
    rib_radius = np.sqrt((x / rib_a) ** 2 + (y / rib_b) ** 2)
    wall_distance = np.abs(rib_radius - 1.0) * np.sqrt(x**2 + y**2) / np.maximum(rib_radius, 1e-3)
    rib_level = z + 25.0 * (1.0 - np.clip(y / rib_b, -1.0, 1.0))
    near_rib = (wall_distance < 5.0) & ~((np.abs(x) < 28.0) & (y < 0.0)) & ~((np.abs(x) < 20.0) & (y > 0.0))
    on_rib = near_rib & (np.abs(np.mod(rib_level - 4.0, 22.0) - 11.0) < 5.5) & (rib_level < 135.0) & (rib_level > -95.0)
    hu[on_rib] = BONE_HU

    # Sternum and clavicles.
    hu[(np.abs(x) < 13.0) & (y < -(b - 26.0)) & (y > -(b - 12.0)) & (z > -70.0) & (z < 110.0)] = BONE_HU
    clavicle_z = 128.0 + 0.08 * np.abs(x)
    hu[(np.abs(x) > 18.0) & (np.abs(x) < 0.85 * a) & ((y + 0.55 * b) ** 2 + (z - clavicle_z) ** 2 <= 7.0**2)] = BONE_HU

    if anatomy.nodule_radius_mm > 0.0:
        nodule = _ellipsoid(x, y, z, anatomy.nodule_centre, (anatomy.nodule_radius_mm,) * 3) <= 1.0
        hu[nodule] = NODULE_HU
    return hu
