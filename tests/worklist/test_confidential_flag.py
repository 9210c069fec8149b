"""The HL7 VIP mark travels with the exam in the shared worklist store, so every station hides it, not only
the host that took the order; stores made before the column existed are migrated on open."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

from tests.worklist.conftest import order
from workstation.security.config import security_settings_path
from workstation.security.roles import Role
from workstation.security.station import StationSecurity
from workstation.worklist.demo_orders import order_message
from workstation.worklist.hl7_orders import handle_text
from workstation.worklist.store import _COLUMNS, WorklistStore

PATIENT = ("MRN7", "Star^Famous", "19700101", "F")


def vip_order(control_id: str, accession: str, vip: str) -> str:
    lines = order_message(control_id, accession, PATIENT, "CT Chest", "CT", "R", "O").split("\r")
    return "\r".join(line + "|" * 14 + vip if line.startswith("PV1|") else line for line in lines)


def test_a_vip_order_is_hidden_on_a_station_that_did_not_take_the_order(store, workstation_home, monkeypatch, tmp_path):
    security_settings_path().write_text('{"confidential": {"hl7_vip": ["Y"]}}', encoding="utf-8")
    assert "|AA|" in handle_text(store, vip_order("C1", "VIP1", "Y"))  # the department's serve-worklist host
    assert "|AA|" in handle_text(store, vip_order("C2", "PLAIN1", ""))
    assert {exam.accession_number: exam.confidential for exam in store.exams()} == {"VIP1": True, "PLAIN1": False}

    monkeypatch.setenv("WORKSTATION_HOME", str(tmp_path / "reading-station"))  # its own security database
    station = StationSecurity.open()
    bob = station.users.add("bob", Role.RESIDENT, "bob-secret")
    assert [exam.accession_number for exam in station.policy.visible_exams(bob, store.exams())] == ["PLAIN1"]
    vip = store.exam("VIP1")
    with_images = replace(vip, study_instance_uid="1.2.826.0.1.77")
    assert not station.policy.can_see_exam(bob, with_images)
    assert station.policy.is_restricted("1.2.826.0.1.77")  # the station's archive lists hide the study too
    assert station.policy.visible_exams(None, [vip]) == [vip]  # a single-user station sees everything


def test_a_changed_order_without_the_vip_mark_keeps_the_exam_confidential(store):
    store.upsert_order(order("A1", confidential=True))
    store.upsert_order(order("A1", procedure="CT Chest with contrast"))
    assert store.exam("A1").confidential


def old_columns() -> list[str]:
    return [name for name in _COLUMNS if name != "confidential"]


def test_an_sqlite_store_from_before_the_flag_is_migrated(tmp_path):
    path = tmp_path / "worklist.sqlite"
    with sqlite3.connect(path) as connection:
        columns = ", ".join(f"{name} TEXT" if name == "accession_number" else f"{name} TEXT NOT NULL DEFAULT ''"
                            if name in ("status", "priority", "patient_name") else f"{name} INTEGER NOT NULL DEFAULT 0"
                            for name in old_columns())
        connection.execute(f"CREATE TABLE exams ({columns})")
        connection.execute("INSERT INTO exams (accession_number, status, priority, patient_name) "
                           "VALUES ('OLD1', 'scheduled', 'routine', 'Old^Row')")
    with WorklistStore(path) as store:
        assert store.exam("OLD1").confidential is False
        store.upsert_order(order("NEW1", confidential=True))
        assert store.exam("NEW1").confidential is True


def test_a_postgresql_store_from_before_the_flag_is_migrated(postgres_url):
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute(f"CREATE TABLE exams ({', '.join(f'{name} TEXT' for name in old_columns())})")
        connection.execute("INSERT INTO exams (accession_number, status, priority, patient_name, emergency, "
                           "images_complete) VALUES ('OLD1', 'scheduled', 'routine', 'Old^Row', '0', '0')")
    with WorklistStore(postgres_url) as store:
        assert store.exam("OLD1").confidential is False
    with WorklistStore(postgres_url) as store:  # opening again finds the column and adds nothing
        store.upsert_order(order("NEW1", confidential=True))
        assert store.exam("NEW1").confidential is True
