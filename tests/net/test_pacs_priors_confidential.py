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
