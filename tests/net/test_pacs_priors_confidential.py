"""PACS priors: a confidential prior is not offered to a reader who is not on its access list."""

from __future__ import annotations

import pydicom

from workstation.net.priors import find_priors
from workstation.security.roles import Role
from workstation.security.station import StationSecurity


def test_find_priors_drops_a_confidential_prior_for_users_not_on_its_list(pacs, local, prior_files):
    studies: dict[str, str] = {}
    patient_id = pydicom.dcmread(prior_files[0], stop_before_pixels=True).PatientID
    for path in prior_files:
        header = pydicom.dcmread(path, stop_before_pixels=True)
        if header.PatientID == patient_id:
            studies[header.StudyInstanceUID] = header.StudyDate
    newest = max(studies, key=studies.get)
    prior = next(uid for uid in studies if uid != newest)
    security = StationSecurity.open()
    alice = security.users.add("alice", Role.RADIOLOGIST, "a-pw")
    bob = security.users.add("bob", Role.RESIDENT, "b-pw")
    security.policy.restrict(alice, prior)

    def seen_by(user):
        return [s.study_instance_uid for s in find_priors(
            pacs.node(), local, newest, lambda found: security.policy.visible_studies(user, found))]

    assert seen_by(alice) == [prior]
    assert seen_by(bob) == []


def test_query_and_retrieve_commands_run_as_the_user_and_hide_the_confidential_study(pacs, prior_files, capsys,
                                                                                    monkeypatch):
    import json

    from workstation.cli import main

    header = pydicom.dcmread(prior_files[0], stop_before_pixels=True)
    security = StationSecurity.open()
    alice = security.users.add("alice", Role.RADIOLOGIST, "a-pw")
    security.users.add("bob", Role.RESIDENT, "b-pw")
    security.policy.restrict(alice, header.StudyInstanceUID)
    monkeypatch.setenv("WORKSTATION_PASSWORD", "b-pw")
    capsys.readouterr()
    assert main(["query", "--pacs", pacs.address, "--patient-id", header.PatientID, "--json", "--user", "bob"]) == 0
    found = {study["study_instance_uid"] for study in json.loads(capsys.readouterr().out)}
    assert found and header.StudyInstanceUID not in found
    assert main(["retrieve", "--pacs", pacs.address, "--study", header.StudyInstanceUID, "--user", "bob"]) == 1
    assert "restricted" in capsys.readouterr().err
    queries = [r for r in security.trail.log.records() if r["event"] == "query"]
    assert len(queries) == 1 and queries[0]["user"] == "bob" and header.PatientID in queries[0]["detail"]
