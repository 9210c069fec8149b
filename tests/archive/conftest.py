"""Fixtures for archive tests: a fresh archive in a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from workstation.archive import Archive


@pytest.fixture
def archive(tmp_path: Path):
    with Archive(tmp_path / "archive") as opened:
        yield opened
