"""Deterministic UIDs for the demo studies, so every run writes the same instances (import is idempotent)."""

from __future__ import annotations

from pydicom.uid import PYDICOM_ROOT_UID, UID, generate_uid

DEMO_UID_SEED = "workstation-demo-v1"


def demo_uid(*parts: str) -> UID:
    """A UID derived by hash from fixed strings (e.g. study key, "series", "1"): same parts, same UID."""
    return generate_uid(prefix=PYDICOM_ROOT_UID, entropy_srcs=[DEMO_UID_SEED, *parts])
