"""A user's profile moves to another station as one ZIP file."""

from __future__ import annotations

import zipfile

import pytest

from workstation.security.errors import SecurityError
from workstation.security.profile import export_profile, import_profile
from workstation.settings.profile_folder import set_profile_user


def test_profile_files_travel_to_another_station_and_nothing_else(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    (first / "hanging_protocols" / "users" / "alice").mkdir(parents=True)
    (first / "keymap.json").write_text('{"viewport.next_series": ["N"]}')
    (first / "worklist_filters.json").write_text('{"modalities": ["CT"]}')
    (first / "hanging_protocols" / "users" / "alice" / "chest.yaml").write_text("id: chest\n")
    (first / "security.sqlite").write_text("not part of a profile")

    exported = export_profile(tmp_path / "alice.zip", home=first)
    imported = import_profile(tmp_path / "alice.zip", home=second)

    assert sorted(map(str, exported)) == sorted(map(str, imported)) == [
        "hanging_protocols/users/alice/chest.yaml", "keymap.json", "worklist_filters.json"]
    assert (second / "keymap.json").read_text() == '{"viewport.next_series": ["N"]}'
    assert not (second / "security.sqlite").exists()


def test_a_crafted_profile_cannot_write_outside_the_profile_files(tmp_path):
    with zipfile.ZipFile(tmp_path / "evil.zip", "w") as archive:
        archive.writestr("security.sqlite", "x")
        archive.writestr("hanging_protocols/users/../../../escape.txt", "x")
        archive.writestr("keymap.json", "{}")
    imported = import_profile(tmp_path / "evil.zip", home=tmp_path / "home")
    assert [str(p) for p in imported] == ["keymap.json"]
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path / "home" / "security.sqlite").exists()
    (tmp_path / "junk.zip").write_text("not a zip")
    with pytest.raises(SecurityError, match="not a workstation profile"):
        import_profile(tmp_path / "junk.zip", home=tmp_path / "home")


def test_a_signed_in_users_profile_is_their_own_files_and_protocols(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    for user in ("alice", "bob"):
        (first / "hanging_protocols" / "users" / user).mkdir(parents=True)
        (first / "hanging_protocols" / "users" / user / "chest.yaml").write_text(f"id: {user}\n")
    (first / "keymap.json").write_text('{"viewport.next_series": ["N"]}')  # the station's
    (first / "users" / "alice").mkdir(parents=True)
    (first / "users" / "alice" / "report_macros.json").write_text('{".n": "Normal."}')
    set_profile_user("alice")
    exported = export_profile(tmp_path / "alice.zip", home=first)
    assert sorted(map(str, exported)) == ["hanging_protocols/users/alice/chest.yaml", "keymap.json",
                                          "report_macros.json"]  # not bob's protocols
    imported = import_profile(tmp_path / "alice.zip", home=second)
    assert len(imported) == 3
    assert (second / "users" / "alice" / "report_macros.json").read_text() == '{".n": "Normal."}'
    assert (second / "users" / "alice" / "keymap.json").is_file() and not (second / "keymap.json").exists()
