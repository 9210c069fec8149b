"""``workstation worklist [--json]`` and ``workstation serve-worklist`` as a user runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

from tests.conftest import PROJECT_ROOT
from tests.worklist.conftest import mllp_send
from workstation.cli import main
from workstation.net.orthanc_server import free_port
from workstation.worklist.config import load_worklist_config
from workstation.worklist.demo_orders import demo_orders, order_message
from workstation.worklist.filters import WorklistFilter, save_filter
from workstation.worklist.hl7_orders import handle_text
from workstation.worklist.store import WorklistStore


def seed_orders() -> None:
    with WorklistStore(load_worklist_config().store_location()) as store:
        for text in demo_orders():
            assert "MSA|AA" in handle_text(store, text)


def test_worklist_json_lists_exams_in_reading_order_with_counts(capsys):
    seed_orders()
    assert main(["worklist", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [exam["accession_number"] for exam in printed["exams"]] == ["DEMOA0102", "DEMOA0202"]
    assert printed["exams"][0]["priority"] == "STAT" and printed["exams"][0]["emergency"] is True
    assert printed["counts"]["scheduled"] == 2


def test_worklist_table_shows_the_columns_and_the_saved_filter(capsys):
    seed_orders()
    assert main(["worklist"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["Priority", "Patient", "Age/Sex"]
    assert lines[1].startswith("STAT ED") and "Demo, Avery" in lines[1]
    assert lines[-1].startswith("2 scheduled")
    save_filter(WorklistFilter(search="head"))
    main(["worklist"])
    rows = capsys.readouterr().out.splitlines()[1:-1]
    assert len(rows) == 1 and "DEMOA0202" in rows[0]
    main(["worklist", "--all"])
    assert len(capsys.readouterr().out.splitlines()) == 4


def test_serve_worklist_listens_for_hl7_and_stops_on_sigterm(workstation_home):
    port = free_port()
    service = subprocess.Popen(
        [sys.executable, "-m", "workstation", "serve-worklist", "--hl7-port", str(port)], cwd=PROJECT_ROOT,
        env=dict(os.environ, WORKSTATION_HOME=str(workstation_home)), stdout=subprocess.PIPE, text=True,
    )
    try:
        assert f"HL7 on 127.0.0.1:{port}" in service.stdout.readline()
        answer = mllp_send(port, order_message("S1", "SRV1", ("M1", "Doe^Jane", "19600101", "F"), "CT Chest", "CT", "S", "E"))
        assert "MSA|AA|S1" in answer
        service.send_signal(signal.SIGTERM)
        assert service.wait(20) == 0
    finally:
        if service.poll() is None:
            service.kill()
    with WorklistStore(load_worklist_config(workstation_home).store_location(workstation_home)) as store:
        assert store.exam("SRV1").patient_name == "Doe^Jane"


def test_serve_worklist_on_a_taken_port_says_so(capsys):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert main(["serve-worklist", "--hl7-port", str(taken.getsockname()[1])]) == 1
    assert "another program may be using it" in capsys.readouterr().err


def test_seed_demo_populates_the_worklist_from_hl7_mwl_and_the_demo_pacs(capsys):
    from workstation.net.demo_pacs import stop_demo_pacs

    try:
        assert main(["worklist", "seed-demo"]) == 0
        assert main(["worklist", "--json"]) == 0
    finally:
        stop_demo_pacs()
    printed = json.loads(capsys.readouterr().out.split("\n", 2)[2])
    exams = {exam["accession_number"]: exam for exam in printed["exams"]}
    assert set(exams) == {"DEMOA0102", "DEMOA0201", "DEMOA0302", "DEMOA0202"}
    assert [exam["accession_number"] for exam in printed["exams"] if exam["priority"] == "STAT"] == ["DEMOA0102"]
    assert {exams[a]["source"] for a in ("DEMOA0201", "DEMOA0302")} == {"MWL"}
    assert exams["DEMOA0102"]["status"] == "images_available" and exams["DEMOA0102"]["image_count"] > 0
    assert exams["DEMOA0202"]["status"] == "scheduled"
    assert load_worklist_config().pacs_node == "demo"


def test_configure_saves_the_station_settings(capsys):
    assert main(["worklist", "configure", "--store", "postgresql://db.example/worklist", "--ris", "ris.example:2576",
                 "--reader-name", "dr.alice", "--ehr", "https://ehr/p?mrn={patient_id}"]) == 0
    config = load_worklist_config()
    assert (config.store, config.ris_host, config.ris_port, config.user) == (
        "postgresql://db.example/worklist", "ris.example", 2576, "dr.alice")
    assert main(["worklist", "configure", "--ris", "nonsense"]) == 2
    assert "HOST:PORT" in capsys.readouterr().err
