"""``workstation profile export|import``: the signed-in user's profile once the station has accounts."""

from __future__ import annotations

import zipfile

from workstation.cli import main
from workstation.security.roles import Role
from workstation.security.station import StationSecurity


def test_profile_commands_work_on_the_signed_in_users_files(workstation_home, tmp_path, monkeypatch, capsys):
    security = StationSecurity.open()
    security.users.add("alice", Role.RADIOLOGIST, "alice-pw")
    (workstation_home / "users" / "alice").mkdir(parents=True)
    (workstation_home / "users" / "alice" / "report_macros.json").write_text('{".n": "Normal."}')
    assert main(["profile", "export", str(tmp_path / "p.zip")]) == 1
    assert "--user NAME" in capsys.readouterr().err
    monkeypatch.setenv("WORKSTATION_PASSWORD", "alice-pw")
    assert main(["profile", "export", str(tmp_path / "p.zip"), "--user", "alice"]) == 0
    with zipfile.ZipFile(tmp_path / "p.zip") as archive:
        assert archive.namelist() == ["report_macros.json"]
    (workstation_home / "users" / "alice" / "report_macros.json").unlink()
    assert main(["profile", "import", str(tmp_path / "p.zip"), "--user", "alice"]) == 0
    assert (workstation_home / "users" / "alice" / "report_macros.json").read_text() == '{".n": "Normal."}'
