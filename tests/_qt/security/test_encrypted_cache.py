"""With require_encrypted_cache, the window opens only on an archive on an encrypted volume."""

from __future__ import annotations

import json

import pytest

from workstation._qt.security import controller as security_controller
from workstation._qt.security.controller import install_security
from workstation.security.config import security_settings_path
from workstation.security.errors import SecurityError
from workstation.security.station import StationSecurity

pytestmark = pytest.mark.gui


def test_an_unencrypted_cache_stops_the_window_when_the_station_requires_encryption(main_window, monkeypatch):
    security_settings_path().write_text(json.dumps({"require_encrypted_cache": True}), encoding="utf-8")
    seen = []
    monkeypatch.setattr(security_controller, "cache_encryption", lambda folder: seen.append(folder) or "")
    with pytest.raises(SecurityError, match="not on an encrypted volume"):
        install_security(main_window, StationSecurity.open(), interactive=False)
    assert seen == [main_window.archive.folder]
    monkeypatch.setattr(security_controller, "cache_encryption", lambda folder: "dm-crypt (LUKS)")
    assert install_security(main_window, StationSecurity.open(), interactive=False) is not None
