"""Shared fixtures: an isolated WORKSTATION_HOME per test and the real scanner files in ../shared/dicom."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from workstation.settings.profile_folder import set_profile_user

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DICOM = PROJECT_ROOT.parent / "shared" / "dicom"
ENCRYPTED_CACHE_VARIABLE = "WORKSTATION_TEST_ENCRYPT_CACHE"


@pytest.fixture(autouse=True)
def workstation_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own state folder, so tests never see each other's archive or settings."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("WORKSTATION_HOME", str(home))
    set_profile_user("")  # nobody signed in: a window test's login must not choose the next test's profile files
    if os.environ.get(ENCRYPTED_CACHE_VARIABLE):  # the same tests with the cache and its databases encrypted
        key_file = tmp_path_factory.mktemp("key") / "cache.key"
        (home / "security.json").write_text(json.dumps({"encrypt_cache": True, "cache_key_file": str(key_file)}))
    return home


@pytest.fixture(scope="session")
def shared_dicom() -> Path:
    """The real DICOM files beside the project; CI always has them, so their absence fails there."""
    if not SHARED_DICOM.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{SHARED_DICOM} is missing: CI must have ../shared/dicom beside the checkout")
        pytest.skip(f"{SHARED_DICOM} is not here (developer checkout without shared data)")
    return SHARED_DICOM
