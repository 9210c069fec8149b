"""Two users with different roles (accounts made by the administrator root): one never sees the other's confidential exam in the archive list,
the worklist, keyword search, the priors or the hanging dry run; break the glass is audited with its reason."""

from __future__ import annotations

import json

import pytest

from workstation.archive import Archive
from workstation.cli import main
from workstation.worklist.config import load_worklist_config
from workstation.worklist.exam import Exam
from workstation.worklist.store import WorklistStore

PATIENT = "priors_ct/SaltyJoke_COVID-19-NY-SBU/A058062"
OTHER_PATIENT = "priors_ct/SaltyJoke_COVID-19-NY-SBU/A002304"


@pytest.fixture
def station(shared_dicom, monkeypatch):
    """The archive with two patients, a worklist row per study, alice (radiologist) and bob (resident);
    alice's patient's older study is confidential (alice only)."""
    with Archive.open_default() as archive:
        archive.import_paths([shared_dicom / PATIENT, shared_dicom / OTHER_PATIENT])
        older, newer = sorted(archive.studies(patient_id="A058062"), key=lambda s: s.study_date)
        studies = archive.studies()
    with WorklistStore(load_worklist_config().store_location()) as store:
        for number, study in enumerate(studies):
            store.upsert_order(Exam(f"ACC{number}", patient_id=study.patient_id,
                                    study_instance_uid=study.study_instance_uid))
    monkeypatch.setenv("WORKSTATION_PASSWORD", "root-pw")
    assert main(["user", "add", "root", "--role", "administrator"]) == 0
    for name, role in (("alice", "radiologist"), ("bob", "resident")):
        monkeypatch.setenv("WORKSTATION_NEW_PASSWORD", f"{name}-pw")
        assert main(["user", "add", name, "--role", role, "--user", "root"]) == 0
    monkeypatch.setenv("WORKSTATION_PASSWORD", "alice-pw")
    assert main(["exam", "restrict", "--study", older.study_instance_uid, "--user", "alice"]) == 0
    assert main(["keyword", "add", "teaching file", "--study", older.study_instance_uid, "--user", "alice"]) == 0
    assert main(["keyword", "add", "teaching file", "--study", newer.study_instance_uid, "--user", "alice"]) == 0
    return older, newer


def run_as(user, argv, monkeypatch, capsys):
    monkeypatch.setenv("WORKSTATION_PASSWORD", f"{user}-pw")
    capsys.readouterr()
    code = main([*argv, "--user", user])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.shared_data
def test_the_confidential_exam_is_invisible_to_the_other_user_everywhere(station, monkeypatch, capsys):
    older, newer = station
    for user, sees in (("alice", True), ("bob", False)):
        code, out, _ = run_as(user, ["archive", "list", "--json"], monkeypatch, capsys)
        listed = {s["study_instance_uid"] for p in json.loads(out)["patients"] for s in p["studies"]}
        assert code == 0 and (older.study_instance_uid in listed) is sees and newer.study_instance_uid in listed

        code, out, _ = run_as(user, ["worklist", "--json", "--all"], monkeypatch, capsys)
        rows = {e["study_instance_uid"] for e in json.loads(out)["exams"]}
        assert code == 0 and (older.study_instance_uid in rows) is sees and newer.study_instance_uid in rows

        code, out, _ = run_as(user, ["worklist", "--json", "--all", "--keyword", "teaching file"], monkeypatch, capsys)
        rows = {e["study_instance_uid"] for e in json.loads(out)["exams"]}
        assert rows == ({older.study_instance_uid} if sees else set()) | {newer.study_instance_uid}

        code, out, _ = run_as(user, ["keyword", "search", "teaching file", "--json"], monkeypatch, capsys)
        found = {row["study_instance_uid"] for row in json.loads(out)}
        assert (older.study_instance_uid in found) is sees and newer.study_instance_uid in found

        code, out, _ = run_as(user, ["hang", "--study", newer.study_instance_uid, "--json"], monkeypatch, capsys)
        report = json.loads(out)
        assert report["priors"] == ([older.study_instance_uid] if sees else [])
        boxes = [b["display_set"] for stage in report["protocol"]["stages"] for b in stage["boxes"] if b["display_set"]]
        assert any(b["study_instance_uid"] == older.study_instance_uid for b in boxes) is sees

    code, _, err = run_as("bob", ["hang", "--study", older.study_instance_uid], monkeypatch, capsys)
    assert code == 1 and "restricted" in err and older.patient_name not in err


@pytest.mark.shared_data
def test_break_the_glass_opens_the_exam_and_leaves_the_reason_in_the_audit(station, monkeypatch, capsys):
    older, _ = station
    reason = "on call, ED asks about a pneumothorax"
    code, out, _ = run_as("bob", ["exam", "break-glass", "--study", older.study_instance_uid, "--reason", reason],
                          monkeypatch, capsys)
    assert code == 0
    code, out, _ = run_as("bob", ["hang", "--study", older.study_instance_uid, "--json"], monkeypatch, capsys)
    assert code == 0 and json.loads(out)["study_instance_uid"] == older.study_instance_uid

    assert main(["audit", "--user", "bob", "--json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    override = [r for r in records if r["event"] == "emergency override started"]
    assert len(override) == 1 and override[0]["detail"] == reason and reason in override[0]["xml"]
    assert [r["event"] for r in records if r["event"] == "instances accessed"] == ["instances accessed"]
    assert main(["audit", "--patient", "A058062"]) == 0
    assert "instances accessed" in capsys.readouterr().out
    assert main(["exam", "report", "--study", older.study_instance_uid, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["access_list"] == ["alice"] and report["break_glass"][0]["reason"] == reason
    assert main(["audit", "--verify"]) == 0


@pytest.mark.shared_data
def test_commands_need_a_user_once_accounts_exist_and_export_needs_the_right(station, monkeypatch, capsys, tmp_path):
    _, newer = station
    capsys.readouterr()
    assert main(["archive", "list"]) == 1
    assert "--user NAME" in capsys.readouterr().err
    code, _, err = run_as("bob", ["export", str(tmp_path / "out"), "--study", newer.study_instance_uid],
                          monkeypatch, capsys)
    assert code == 1 and "may not export" in err
    monkeypatch.setenv("WORKSTATION_PASSWORD", "wrong")
    assert main(["archive", "list", "--user", "alice"]) == 1
    assert "Wrong user name or password" in capsys.readouterr().err
    code, out, _ = run_as("alice", ["export", str(tmp_path / "out.zip"), "--keyword", "teaching file",
                                    "--form", "zip"], monkeypatch, capsys)
    assert code == 0 and "without patient data" in out and (tmp_path / "out.zip").is_file()
    assert main(["audit", "--user", "alice", "--json"]) == 0
    exports = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"export"' in line]
    assert len(exports) == 1 and "de-identified" in exports[0]["detail"] and len(exports[0]["study_uids"]) == 2


@pytest.mark.shared_data
def test_open_checks_the_user_and_the_access_list_before_any_window(station, monkeypatch, capsys):
    older, _ = station
    monkeypatch.setenv("DISPLAY", ":not-used")  # the checks come before a window would open
    capsys.readouterr()
    assert main(["open", "--study", older.study_instance_uid]) == 1
    assert "--user NAME" in capsys.readouterr().err
    code, _, err = run_as("bob", ["open", "--study", older.study_instance_uid], monkeypatch, capsys)
    assert code == 1 and "restricted" in err and older.patient_name not in err
