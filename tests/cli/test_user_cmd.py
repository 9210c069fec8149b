"""``workstation user``: accounts from the command line; no accounts means a single-user station."""

from __future__ import annotations

import json

from workstation.cli import main


def test_accounts_are_added_listed_and_disabled(monkeypatch, capsys):
    assert main(["user", "list"]) == 0
    assert "single-user station" in capsys.readouterr().out
    monkeypatch.setenv("WORKSTATION_PASSWORD", "first-pw")
    assert main(["user", "add", "alice", "--role", "radiologist"]) == 0
    assert "window asks for a login" in capsys.readouterr().out
    assert main(["user", "add", "dana", "--role", "clinician", "--ldap"]) == 0
    assert main(["user", "disable", "dana"]) == 0
    capsys.readouterr()
    assert main(["user", "list", "--json"]) == 0
    users = json.loads(capsys.readouterr().out)
    assert users == [{"name": "alice", "role": "radiologist", "directory": "local", "disabled": False},
                     {"name": "dana", "role": "clinician", "directory": "ldap", "disabled": True}]
    assert main(["user", "add", "alice", "--role", "resident"]) == 1
    assert "exists already" in capsys.readouterr().err
    assert main(["audit", "--json"]) == 0
    details = [json.loads(line)["detail"] for line in capsys.readouterr().out.splitlines()]
    assert details == ["user alice added as radiologist (local)", "user dana added as clinician (ldap)",
                       "user dana disabled"]


def test_without_a_password_source_the_command_says_how_to_give_one(monkeypatch, capsys):
    monkeypatch.delenv("WORKSTATION_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)
    assert main(["user", "add", "alice", "--role", "radiologist"]) == 1
    assert "WORKSTATION_PASSWORD" in capsys.readouterr().err
