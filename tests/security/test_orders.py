"""HL7 orders with the VIP indicator (PV1-16): the exam is confidential from the moment the order arrives."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from workstation.security.config import security_settings_path
from workstation.security.roles import Role
from workstation.security.station import StationSecurity
from workstation.worklist.demo_orders import order_message
from workstation.worklist.hl7_orders import handle_text
from workstation.worklist.store import WorklistStore

PATIENT = ("MRN7", "Star^Famous", "19700101", "F")


def vip_order(control_id: str, accession: str, vip: str) -> str:
    """The demo ORM^O01 with PV1-16 (VIP Indicator) filled in."""
    lines = order_message(control_id, accession, PATIENT, "CT Chest", "CT", "R", "O").split("\r")
    lines = [line + "|" * 14 + vip if line.startswith("PV1|") else line for line in lines]
    return "\r".join(lines)


@pytest.fixture
def store(tmp_path):
    with WorklistStore(tmp_path / "worklist.sqlite") as opened:
        yield opened


def test_a_vip_order_is_hidden_from_users_not_on_the_access_list(store, security, two_users):
    alice, bob = two_users
    assert "|AA|" in handle_text(store, vip_order("C1", "VIP1", "Y"))
    assert "|AA|" in handle_text(store, vip_order("C2", "PLAIN1", ""))
    assert "|AA|" in handle_text(store, vip_order("C3", "OTHER1", "N"))  # not one of the configured values
    exams = store.exams()
    policy = StationSecurity.open().policy
    assert {exam.accession_number for exam in policy.visible_exams(bob, exams)} == {"PLAIN1", "OTHER1"}
    assert {exam.accession_number for exam in policy.visible_exams(None, exams)} == {"VIP1", "PLAIN1", "OTHER1"}

    vip = next(exam for exam in exams if exam.accession_number == "VIP1")
    with_images = replace(vip, study_instance_uid="1.2.826.0.1.99")  # the images arrived later
    assert policy.visible_exams(alice, [with_images]) == []
    assert policy.is_restricted("1.2.826.0.1.99")  # the archive's lists and the priors hide the study too
    admin = security.users.add("admin", Role.ADMINISTRATOR, "admin-secret")
    policy.set_access(admin, "1.2.826.0.1.99", ["alice"])
    assert policy.visible_exams(alice, [with_images]) == [with_images]


def test_the_vip_values_come_from_the_security_settings(store, workstation_home, two_users):
    _, bob = two_users
    security_settings_path().write_text(json.dumps({"confidential": {"hl7_vip": ["VIP"]}}), encoding="utf-8")
    handle_text(store, vip_order("C1", "A1", "Y"))
    handle_text(store, vip_order("C2", "A2", "vip"))
    policy = StationSecurity.open().policy
    assert [exam.accession_number for exam in policy.visible_exams(bob, store.exams())] == ["A1"]


def test_a_vip_order_that_cannot_be_marked_is_refused_not_listed(store, workstation_home):
    security_settings_path().write_text("{not json", encoding="utf-8")
    answer = handle_text(store, vip_order("C1", "VIP1", "Y"))
    assert "|AE|" in answer and "security settings" in answer
    assert store.exams() == []
