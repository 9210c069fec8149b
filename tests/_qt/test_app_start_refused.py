"""A station whose security database the cache key cannot open does not start: the administrator is told why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workstation._qt import app as app_module
from workstation.core.database_connection import DatabaseKeyError
from workstation.security.roles import Role
from workstation.security.station import StationSecurity


def test_a_security_database_the_key_cannot_open_stops_the_window_with_a_dialog(
        qtbot, workstation_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    key_file = tmp_path / "cache.key"
    (workstation_home / "security.json").write_text(json.dumps({"encrypt_cache": True, "cache_key_file": str(key_file)}))
    StationSecurity.open().users.add("admin", Role.ADMINISTRATOR, "pw")
    key_file.unlink()  # the key is lost
    shown: list[str] = []
    monkeypatch.setattr(app_module.QMessageBox, "critical", lambda _parent, _title, text: shown.append(text))
    with pytest.raises(DatabaseKeyError):
        app_module.run_application()
    assert len(shown) == 1
    assert "security database" in shown[0] and str(key_file) in shown[0] and "Restore the key file" in shown[0]
    assert not key_file.exists()  # refused before the archive opened: no new key, the cache is kept for the old one
