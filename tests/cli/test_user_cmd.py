"""``workstation user``: accounts from the command line; no accounts means a single-user station. The first
account is made by the operating-system user and is an administrator; after that only an administrator's
``--user NAME`` may change accounts, and the trail names that administrator."""

from __future__ import annotations

import getpass
import json

import pytest

from workstation.cli import main
from workstation.worklist.config import load_worklist_config


def audit_records(capsys) -> list[dict]:
    capsys.readouterr()
    assert main(["audit", "--json"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


@pytest.fixture
def administered(monkeypatch, capsys):
    """A station whose first account is the administrator root (password root-pw)."""
    monkeypatch.setenv("WORKSTATION_PASSWORD", "root-pw")
    assert main(["user", "add", "root", "--role", "administrator"]) == 0
    capsys.readouterr()


def as_admin(argv, monkeypatch, user="root", password="root-pw", new_password=None):
    monkeypatch.setenv("WORKSTATION_PASSWORD", password)
    if new_password is not None:
        monkeypatch.setenv("WORKSTATION_NEW_PASSWORD", new_password)
    return main([*argv, "--user", user])


def test_the_first_account_is_an_administrator_made_by_the_operating_system_user(monkeypatch, capsys):
    assert main(["user", "list"]) == 0
    assert "single-user station" in capsys.readouterr().out
    monkeypatch.setenv("WORKSTATION_PASSWORD", "first-pw")
    assert main(["user", "add", "alice", "--role", "radiologist"]) == 1
    assert "must be an administrator" in capsys.readouterr().err
    assert main(["user", "add", "root", "--role", "administrator"]) == 0
    assert "window asks for a login" in capsys.readouterr().out
    assert main(["user", "add", "alice", "--role", "radiologist"]) == 1  # now an administrator must sign in
    assert "--user NAME" in capsys.readouterr().err
    added = audit_records(capsys)
    assert [(r["user"], r["detail"]) for r in added] == [(f"os:{getpass.getuser()}",
                                                          "user root added as administrator (local)")]


def test_an_administrator_adds_lists_and_disables_accounts_audited_under_their_name(administered, monkeypatch,
                                                                                  capsys):
    assert as_admin(["user", "add", "alice", "--role", "radiologist"], monkeypatch, new_password="alice-pw") == 0
    assert as_admin(["user", "add", "dana", "--role", "clinician", "--ldap"], monkeypatch) == 0
    assert as_admin(["user", "disable", "dana"], monkeypatch) == 0
    capsys.readouterr()
    assert as_admin(["user", "list", "--json"], monkeypatch) == 0
    users = json.loads(capsys.readouterr().out)
    assert users == [{"name": "alice", "role": "radiologist", "directory": "local", "disabled": False},
                     {"name": "dana", "role": "clinician", "directory": "ldap", "disabled": True},
                     {"name": "root", "role": "administrator", "directory": "local", "disabled": False}]
    assert as_admin(["user", "add", "alice", "--role", "resident"], monkeypatch, new_password="x") == 1
    assert "exists already" in capsys.readouterr().err
    changes = [(r["user"], r["detail"]) for r in audit_records(capsys) if r["event"] == "security roles changed"]
    assert changes[1:] == [("root", "user alice added as radiologist (local)"),
                           ("root", "user dana added as clinician (ldap)"), ("root", "user dana disabled")]
    # alice got the new-account password, not the administrator's
    monkeypatch.setenv("WORKSTATION_PASSWORD", "alice-pw")
    assert main(["archive", "list", "--user", "alice"]) == 0


def test_other_roles_are_refused_and_the_refusal_is_audited(administered, monkeypatch, capsys):
    assert as_admin(["user", "add", "alice", "--role", "radiologist"], monkeypatch, new_password="alice-pw") == 0
    capsys.readouterr()
    code = as_admin(["user", "add", "mallory", "--role", "administrator"], monkeypatch, user="alice",
                    password="alice-pw", new_password="m-pw")
    assert code == 1
    err = capsys.readouterr().err
    assert "alice is a radiologist: only an administrator may add accounts" in err and "Traceback" not in err
    for argv in (["user", "list"], ["user", "disable", "root"], ["user", "password", "root"],
                 ["exam", "unrestrict", "--study", "1.2.3"], ["exam", "access", "--study", "1.2.3", "--allow", "x"]):
        assert as_admin(argv, monkeypatch, user="alice", password="alice-pw") == 1, argv
        assert "only an administrator may" in capsys.readouterr().err
    records = audit_records(capsys)
    refused = [r for r in records if r["event"] == "use of restricted function"]
    assert len(refused) == 6 and all(r["user"] == "alice" for r in refused)
    assert refused[0]["detail"] == "refused to add accounts: role radiologist"
    assert 'EventOutcomeIndicator="4"' in refused[0]["xml"]
    assert not any("mallory" in r["detail"] for r in records)
    capsys.readouterr()
    assert as_admin(["user", "list", "--json"], monkeypatch) == 0
    assert [u["name"] for u in json.loads(capsys.readouterr().out)] == ["alice", "root"]


def test_a_wrong_administrator_password_changes_nothing(administered, monkeypatch, capsys):
    assert as_admin(["user", "add", "eve", "--role", "administrator"], monkeypatch, password="guess",
                    new_password="eve-pw") == 1
    assert "Wrong user name or password" in capsys.readouterr().err
    records = audit_records(capsys)
    assert records[-1]["event"] == "login failed" and records[-1]["user"] == "root"
    assert not any("eve" in r["detail"] for r in records)


def test_an_administrator_sets_a_password_and_cannot_disable_themself(administered, monkeypatch, capsys):
    assert as_admin(["user", "add", "bob", "--role", "resident"], monkeypatch, new_password="bob-1") == 0
    assert as_admin(["user", "password", "bob"], monkeypatch, new_password="bob-2") == 0
    monkeypatch.setenv("WORKSTATION_PASSWORD", "bob-2")
    assert main(["archive", "list", "--user", "bob"]) == 0
    capsys.readouterr()
    assert as_admin(["user", "disable", "root"], monkeypatch) == 1
    assert "cannot disable your own account" in capsys.readouterr().err


def test_without_a_password_source_the_command_says_how_to_give_one(monkeypatch, capsys):
    monkeypatch.delenv("WORKSTATION_PASSWORD", raising=False)
    monkeypatch.delenv("WORKSTATION_NEW_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)
    assert main(["user", "add", "root", "--role", "administrator"]) == 1
    assert "WORKSTATION_PASSWORD" in capsys.readouterr().err


def test_exam_access_lists_are_administered_under_the_administrators_name(administered, monkeypatch, capsys):
    assert as_admin(["exam", "restrict", "--study", "1.2.3", "--allow", "alice"], monkeypatch) == 0
    assert as_admin(["exam", "access", "--study", "1.2.3", "--allow", "bob", "--deny", "alice"], monkeypatch) == 0
    assert "access to 1.2.3: bob" in capsys.readouterr().out  # an administrator does not list themself
    assert main(["exam", "unrestrict", "--study", "1.2.3"]) == 1
    assert "--user NAME" in capsys.readouterr().err
    assert as_admin(["exam", "unrestrict", "--study", "1.2.3"], monkeypatch) == 0
    changes = [r for r in audit_records(capsys) if r["event"] == "object security attributes changed"]
    assert [(r["user"], r["study_uids"]) for r in changes] == [("root", ["1.2.3"])] * 3


def test_changing_the_pacs_nodes_needs_an_administrator_and_is_audited(administered, monkeypatch, capsys):
    assert as_admin(["user", "add", "alice", "--role", "radiologist"], monkeypatch, new_password="alice-pw") == 0
    node = ["pacs", "add", "main", "--aet", "MAINPACS", "--port", "11112"]
    capsys.readouterr()
    assert main(node) == 1
    assert "--user NAME" in capsys.readouterr().err
    assert as_admin(node, monkeypatch, user="alice", password="alice-pw") == 1
    assert "only an administrator may change the PACS nodes" in capsys.readouterr().err
    assert main(["pacs", "list"]) == 0
    assert "MAINPACS" not in capsys.readouterr().out
    assert as_admin(node, monkeypatch) == 0
    assert main(["pacs", "list"]) == 0
    assert "main: MAINPACS@127.0.0.1:11112" in capsys.readouterr().out
    [change] = [r for r in audit_records(capsys) if r["event"] == "network configuration"]
    assert change["user"] == "root" and change["detail"] == "PACS node main set to MAINPACS@127.0.0.1:11112"


def test_changing_the_worklist_settings_needs_an_administrator_and_is_audited(administered, monkeypatch, capsys):
    assert as_admin(["user", "add", "alice", "--role", "radiologist"], monkeypatch, new_password="alice-pw") == 0
    configure = ["worklist", "configure", "--ris", "ris.example:2576"]
    capsys.readouterr()
    assert main(configure) == 1
    assert "--user NAME" in capsys.readouterr().err
    assert as_admin(configure, monkeypatch, user="alice", password="alice-pw") == 1
    assert "only an administrator may change the worklist settings" in capsys.readouterr().err
    assert load_worklist_config().ris_host != "ris.example"
    assert as_admin(configure, monkeypatch) == 0
    assert load_worklist_config().ris_host == "ris.example"
    [change] = [r for r in audit_records(capsys) if r["event"] == "network configuration"]
    assert change["user"] == "root" and change["detail"] == "worklist settings: ris_host=ris.example, ris_port=2576"
