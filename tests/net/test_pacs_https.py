"""DICOMweb over HTTPS against an Orthanc serving HTTPS: QIDO-RS and WADO-RS with the node's CA (verified),
a CA that does not verify the server (clear message, nothing stored), and client certificates."""

from __future__ import annotations

from pathlib import Path

import pydicom
import pytest
import requests
from pydicom.uid import generate_uid

from tests.net.conftest import make_certificate_authority, make_server_certificate
from tests.net.test_pacs_outbox import report_object
from workstation.archive import Archive
from workstation.net.errors import PacsError
from workstation.net.orthanc_server import OrthancHttps, OrthancServer
from workstation.net.outbox import Outbox
from workstation.net.query import search_studies
from workstation.net.retrieve import retrieve
from workstation.settings.pacs_nodes import PacsNode


def start_https_orthanc(folder: Path, files: list[Path], client_ca: bool) -> OrthancServer:
    """Orthanc with a certificate for 127.0.0.1 signed by its own CA (``pki/web-ca.crt``); with ``client_ca``
    it accepts only clients presenting a certificate signed by ``pki/clients-ca.crt`` (``pki/reader.crt``)."""
    pki = folder / "pki"
    ca = make_certificate_authority(pki, "web")
    certificate, key = make_server_certificate(pki, ca, "orthanc")
    options: dict = {}
    if client_ca:
        clients = make_certificate_authority(pki, "clients")
        reader = make_server_certificate(pki, clients, "reader")
        options = {"trusted_client_certificates": clients[0], "client_certificate": reader[0], "client_key": reader[1]}
    server = OrthancServer(folder=folder, https=OrthancHttps(certificate, key, ca[0], **options)).start()
    try:
        server.upload(files)
    except PacsError:
        server.stop()
        raise
    return server


@pytest.fixture(scope="module")
def https_pacs(tmp_path_factory, prior_files):
    server = start_https_orthanc(tmp_path_factory.mktemp("orthanc-https"), prior_files[:6], client_ca=False)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def mutual_pacs(tmp_path_factory, prior_files):
    server = start_https_orthanc(tmp_path_factory.mktemp("orthanc-mtls"), prior_files[:6], client_ca=True)
    yield server
    server.stop()


@pytest.fixture()
def first(prior_files) -> pydicom.Dataset:
    return pydicom.dcmread(prior_files[0], stop_before_pixels=True)


def web_node(server: OrthancServer, **options) -> PacsNode:
    return PacsNode(name="secure-web", dicomweb_url=server.dicomweb_url, **options)


def test_qido_and_wado_rs_over_https_with_the_nodes_ca(https_pacs, local, tmp_path, first):
    assert https_pacs.dicomweb_url.startswith("https://127.0.0.1:")
    with pytest.raises(requests.ConnectionError):  # the port speaks only TLS
        requests.get(https_pacs.base_url.replace("https:", "http:") + "/system", timeout=5)
    node = web_node(https_pacs, ca_certificate=str(https_pacs.https.ca_certificate))
    found = search_studies(node, local, {"PatientID": str(first.PatientID)})
    assert first.StudyInstanceUID in {study.study_instance_uid for study in found.studies}
    with Archive(tmp_path / "archive") as archive:
        series = retrieve(node, local, archive, first.StudyInstanceUID, first.SeriesInstanceUID)  # one series
        assert series.received_instances == 1 and archive.has_instance(first.SOPInstanceUID)
        study = retrieve(node, local, archive, first.StudyInstanceUID)  # QIDO, then WADO-RS of the missing two
        assert study.received_instances == 2 and study.already_present == 1
    with Archive(tmp_path / "fresh") as archive:
        streamed = retrieve(node, local, archive, first.StudyInstanceUID)  # one streamed study request
        assert streamed.received_instances == 3 and len(archive.instance_uids(first.StudyInstanceUID)) == 3


@pytest.mark.parametrize("ca", ["foreign", "system"])
def test_a_ca_that_does_not_verify_the_server_stores_nothing(https_pacs, local, tmp_path, first, foreign_ca, ca):
    node = web_node(https_pacs, ca_certificate=str(foreign_ca) if ca == "foreign" else "")
    with pytest.raises(PacsError, match="does not verify") as raised:
        search_studies(node, local, {"PatientID": str(first.PatientID)})
    assert "CA certificate" in str(raised.value) and "Traceback" not in str(raised.value)
    with Archive(tmp_path / "archive") as archive:
        with pytest.raises(PacsError, match="does not verify"):
            retrieve(node, local, archive, first.StudyInstanceUID)
        assert archive.studies() == [] and not archive.has_instance(first.SOPInstanceUID)


def test_a_missing_ca_file_is_named(https_pacs, local, tmp_path, first):
    node = web_node(https_pacs, ca_certificate=str(tmp_path / "nowhere.crt"))
    with pytest.raises(PacsError, match="CA certificate .*nowhere.crt.* cannot be read"):
        search_studies(node, local, {"PatientID": str(first.PatientID)})


def test_client_certificate_for_a_server_that_asks_for_one(mutual_pacs, local, tmp_path, first):
    pki = mutual_pacs.folder / "pki"
    ca = str(pki / "web-ca.crt")
    with_certificate = web_node(mutual_pacs, ca_certificate=ca, client_certificate=str(pki / "reader.crt"),
                                client_key=str(pki / "reader.key"))
    found = search_studies(with_certificate, local, {"PatientID": str(first.PatientID)})
    assert first.StudyInstanceUID in {study.study_instance_uid for study in found.studies}
    with Archive(tmp_path / "archive") as archive:
        assert retrieve(with_certificate, local, archive, first.StudyInstanceUID).received_instances == 3
    without = web_node(mutual_pacs, ca_certificate=ca)
    with pytest.raises(PacsError, match="client certificate") as raised:
        search_studies(without, local, {"PatientID": str(first.PatientID)})
    assert "Traceback" not in str(raised.value)


def test_stow_rs_over_https_sends_only_to_a_verified_server(https_pacs, local, tmp_path, foreign_ca):
    outbox = Outbox(tmp_path / "outbox")
    item = outbox.enqueue("reports", report_object(generate_uid()))
    untrusted = web_node(https_pacs, ca_certificate=str(foreign_ca))
    refused = outbox.send_pending(lambda _name: untrusted, local)
    assert (refused.sent, refused.failed) == (0, 1) and "does not verify" in refused.errors[0]
    assert [waiting.sop_instance_uid for waiting in outbox.unsent()] == [item.sop_instance_uid]
    trusted = web_node(https_pacs, ca_certificate=str(https_pacs.https.ca_certificate))
    sent = outbox.send_pending(lambda _name: trusted, local)
    assert (sent.sent, sent.failed) == (1, 0) and outbox.unsent() == []
    with https_pacs.rest_session() as session:
        found = session.post(f"{https_pacs.base_url}/tools/find", timeout=10,
                             json={"Level": "Instance", "Query": {"SOPInstanceUID": item.sop_instance_uid}}).json()
    assert len(found) == 1
