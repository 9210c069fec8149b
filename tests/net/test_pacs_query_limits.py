"""Study searches are bounded and capped like a PACS console's: no open search over the whole PACS, at most
the node's query limit listed (C-FIND stopped by C-CANCEL, QIDO-RS by ``limit``), and a notice when more match."""

from __future__ import annotations

import json

import pydicom
import pytest

from workstation.cli import main
from workstation.net.orthanc_server import free_port
from workstation.net.query import UnboundedSearch, query_studies, require_bounded, search_studies
from workstation.settings.pacs_nodes import PacsNode, PacsSettingsError


@pytest.mark.parametrize("match", [{}, {"ModalitiesInStudy": "CT"}, {"PatientName": "*"}, {"PatientID": "  "}])
def test_a_search_without_patient_accession_or_date_is_refused(match, local):
    dead = PacsNode(name="down", aet="NOBODY", port=free_port(), connect_timeout=1)
    with pytest.raises(UnboundedSearch, match="patient ID or name, an accession number or a study date range"):
        search_studies(dead, local, match)  # refused before any connection (the node is not even running)
    with pytest.raises(UnboundedSearch):
        query_studies(dead, local, **match)


def test_bounding_keys_pass():
    for match in ({"PatientID": "123"}, {"PatientName": "Doe*"}, {"AccessionNumber": "A1"},
                  {"StudyDate": "20240101-"}, {"StudyInstanceUID": "1.2.3"}):
        require_bounded(match)


@pytest.mark.parametrize("method", ["get", "web"])
def test_results_are_capped_with_a_notice(pacs, local, method):
    web = method == "web"
    node = pacs.node(method=method) if not web else PacsNode(name="web", dicomweb_url=pacs.dicomweb_url)
    everything = search_studies(node, local, {}, browse=True)
    assert not everything.more and everything.notice == "" and len(everything.studies) >= 11
    capped = search_studies(node, local, {}, limit=3, browse=True)
    assert len(capped.studies) == 3 and capped.more
    assert {study.study_instance_uid for study in capped.studies} <= {s.study_instance_uid for s in everything.studies}
    assert "More than 3 studies match" in capped.notice and "Narrow the search" in capped.notice
    exact = search_studies(node, local, {"PatientID": everything.studies[0].patient_id}, limit=len(everything.studies))
    assert not exact.more and exact.studies


def test_node_query_limit_is_the_default_cap(pacs, local, prior_files):
    header = pydicom.dcmread(prior_files[0], stop_before_pixels=True)
    node = pacs.node(query_limit=1)
    matches = search_studies(node, local, {"PatientID": str(header.PatientID)})
    assert len(matches.studies) == 1 and matches.more and matches.limit == 1
    with pytest.raises(PacsSettingsError, match="query limit"):
        pacs.node(query_limit=0)


def test_c_find_over_the_limit_is_cancelled(fake_pacs, ct_files, local):
    server = fake_pacs(ct_files[:1], find_answers=2000)
    matches = search_studies(server.node(), local, {}, limit=10, browse=True)
    assert len(matches.studies) == 10 and matches.more
    assert server.find_cancelled and server.find_sent < 2000  # the PACS stopped sending on our C-CANCEL
    again = search_studies(server.node(), local, {"PatientID": "x"}, limit=10)  # the association was left clean
    assert len(again.studies) == 10


def test_cli_refuses_an_open_search_and_caps_with_all(pacs, capsys):
    assert main(["query", "--pacs", pacs.address]) == 1
    err = capsys.readouterr().err
    assert "patient ID or name, an accession number or a study date range" in err and "--all" in err
    assert main(["query", "--pacs", pacs.dicomweb_url, "--all", "--limit", "2", "--json"]) == 0
    captured = capsys.readouterr()
    assert len(json.loads(captured.out)) == 2
    assert "More than 2 studies match" in captured.err
    assert main(["query", "--pacs", pacs.address, "--all", "--limit", "0"]) == 2


def test_cli_searches_by_patient_name(pacs, prior_files, capsys):
    header = pydicom.dcmread(prior_files[0], stop_before_pixels=True)
    name = str(header.PatientName)
    assert main(["query", "--pacs", pacs.address, "--name", f"{name[:4]}*", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert header.StudyInstanceUID in {study["study_instance_uid"] for study in found}
    assert all(study["patient_name"].startswith(name[:4]) for study in found)
