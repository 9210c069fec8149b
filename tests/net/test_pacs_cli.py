"""The command line: query, retrieve (with priors, each method), pacs add/list/echo, the demo PACS."""

from __future__ import annotations

import json

import pydicom
import pytest

from workstation.archive import Archive
from workstation.cli import main
from workstation.net.demo_pacs import stop_demo_pacs
from workstation.net.orthanc_server import free_port
from workstation.settings.pacs_nodes import LocalNode, PacsSettings, load_pacs_settings, save_pacs_settings


@pytest.fixture(scope="module")
def patient(prior_files):
    headers = [pydicom.dcmread(path, stop_before_pixels=True) for path in prior_files[:6]]
    studies = {header.StudyInstanceUID: header.StudyDate for header in headers if header.PatientID == headers[0].PatientID}
    return headers[0].PatientID, studies


def test_query_by_patient_as_json(pacs, patient, capsys):
    patient_id, studies = patient
    assert main(["query", "--pacs", pacs.address, "--patient-id", patient_id, "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert {study["study_instance_uid"] for study in found} == set(studies)


def test_query_by_date_range_over_dicomweb(pacs, patient, capsys):
    patient_id, studies = patient
    newest = max(studies.values())
    assert main(["query", "--pacs", pacs.dicomweb_url, "--patient-id", patient_id, "--study-date", f"{newest}-"]) == 0
    out = capsys.readouterr().out
    assert "1 studies" in out and newest in out


@pytest.mark.parametrize("method", ["get", "move", "web"])
def test_retrieve_with_priors(pacs, patient, capsys, method, storage_port):
    _patient_id, studies = patient
    current = max(studies, key=studies.get)
    address = pacs.dicomweb_url if method == "web" else pacs.address
    if method == "move":  # C-MOVE needs our storage port, the one Orthanc knows, in the settings
        save_pacs_settings(PacsSettings(local=LocalNode(aet="WORKSTATION", storage_port=storage_port)))
        assert main(["pacs", "add", "orthanc", "--aet", pacs.aet, "--port", str(pacs.dicom_port), "--method", "move"]) == 0
        assert load_pacs_settings().node("orthanc").retrieve_method == "move"
        address = "orthanc"
    assert main(["retrieve", "--pacs", address, "--study", current, "--priors", "1", "--method", method]) == 0
    out = capsys.readouterr().out
    assert out.count("3 instances retrieved") == 2
    with Archive.open_default() as archive:
        assert {study.study_instance_uid for study in archive.studies()} == set(studies)
    assert main(["retrieve", "--pacs", address, "--study", current, "--method", method]) == 0
    assert "0 instances retrieved" in capsys.readouterr().out


def test_retrieve_from_a_pacs_that_is_down_fails_clearly(capsys):
    assert main(["retrieve", "--pacs", "NOBODY@127.0.0.1:1", "--study", "1.2.3"]) == 1
    assert "not running or not listening" in capsys.readouterr().err


def test_retrieve_from_a_dicomweb_server_that_is_down_says_so_without_transport_jargon(capsys, caplog):
    assert main(["retrieve", "--pacs", f"http://127.0.0.1:{free_port()}/dicom-web", "--study", "1.2.3",
                 "--method", "web"]) == 1
    err = capsys.readouterr().err
    assert "Cannot reach the DICOMweb server" in err and "is it running?" in err
    assert "Max retries" not in err and "HTTPConnectionPool" not in err  # urllib3's words stay in the log file
    assert any("Max retries" in record.getMessage() for record in caplog.records)  # logged, at INFO


def test_unknown_node_name(capsys):
    assert main(["query", "--pacs", "nowhere"]) == 1
    assert "No PACS node named 'nowhere'" in capsys.readouterr().err


def test_pacs_add_list_echo(pacs, capsys):
    assert main(["pacs", "add", "main", "--aet", pacs.aet, "--port", str(pacs.dicom_port)]) == 0
    assert main(["pacs", "list"]) == 0
    assert f"main: {pacs.aet}@127.0.0.1:{pacs.dicom_port}" in capsys.readouterr().out
    assert main(["pacs", "echo", "main"]) == 0
    assert "echo answered" in capsys.readouterr().out


def test_demo_pacs_starts_seeded_and_stops(capsys):
    try:
        assert main(["pacs", "start-demo"]) == 0
        assert "demo PACS running" in capsys.readouterr().out
        assert main(["query", "--pacs", "demo", "--all", "--json"]) == 0
        studies = json.loads(capsys.readouterr().out)
        assert len(studies) >= 3
        assert main(["pacs", "start-demo"]) == 0  # already running: found, not started twice
        assert main(["retrieve", "--pacs", "demo", "--study", studies[0]["study_instance_uid"]]) == 0
        assert "instances retrieved" in capsys.readouterr().out
    finally:
        assert stop_demo_pacs()
    assert main(["pacs", "stop-demo"]) == 0
    assert "was not running" in capsys.readouterr().out
