"""PACS node settings: validated, saved atomically, and resolved from names, addresses and URLs."""

from __future__ import annotations

import json

import pytest

from workstation.settings.pacs_nodes import (
    LocalNode, PacsNode, PacsSettings, PacsSettingsError, load_pacs_settings, resolve_node, save_pacs_settings,
    settings_path,
)


def test_defaults_without_a_file():
    settings = load_pacs_settings()
    assert settings.nodes == () and settings.local.aet == "WORKSTATION"


def test_round_trip_keeps_every_field(workstation_home):
    node = PacsNode(name="main", aet="PACS1", host="10.0.0.5", port=11112, dicomweb_url="https://pacs/dicom-web",
                    retrieve_method="move", tls=True, ca_certificate="/etc/ca.pem", network_timeout=12.5)
    settings = PacsSettings(local=LocalNode(aet="READER1", storage_port=4242), nodes=(node,))
    path = save_pacs_settings(settings)
    assert path == settings_path() and path.parent == workstation_home
    assert load_pacs_settings() == settings
    assert [entry.name for entry in workstation_home.iterdir() if entry.name.startswith(".pacs_nodes-")] == []


def test_with_node_replaces_by_name():
    settings = PacsSettings().with_node(PacsNode(name="a", aet="ONE")).with_node(PacsNode(name="a", aet="TWO"))
    assert [node.aet for node in settings.nodes] == ["TWO"]


@pytest.mark.parametrize("fields, message", [
    ({"aet": "X", "retrieve_method": "ftp"}, "retrieve method"),
    ({"aet": "WAY_TOO_LONG_AE_TITLE"}, "AE title"),
    ({"aet": "X", "port": 70000}, "port"),
    ({"retrieve_method": "web"}, "DICOMweb URL"),
    ({"retrieve_method": "get"}, "AE title"),
    ({"aet": "X", "tls": True}, "CA certificate"),
])
def test_invalid_nodes_are_refused_with_a_reason(fields, message):
    with pytest.raises(PacsSettingsError, match=message):
        PacsNode(name="bad", **fields)


def test_broken_file_gives_a_clear_error():
    settings_path().write_text(json.dumps({"nodes": [{"name": "x", "colour": "red"}]}))
    with pytest.raises(PacsSettingsError, match="not valid"):
        load_pacs_settings()


def test_resolve_name_address_and_url():
    settings = PacsSettings(nodes=(PacsNode(name="main", aet="PACS1", port=104),))
    assert resolve_node("main", settings).aet == "PACS1"
    assert resolve_node("main", settings, "move").retrieve_method == "move"
    direct = resolve_node("ORTHANC@127.0.0.1:4242", settings, "get")
    assert (direct.aet, direct.host, direct.port) == ("ORTHANC", "127.0.0.1", 4242)
    web = resolve_node("http://127.0.0.1:8042/dicom-web/", settings)
    assert web.retrieve_method == "web" and web.dicomweb_url == "http://127.0.0.1:8042/dicom-web"
    with pytest.raises(PacsSettingsError, match="DICOMweb URL"):
        resolve_node("ORTHANC@127.0.0.1:4242", settings, "web")
    with pytest.raises(PacsSettingsError, match="DICOMweb URL"):
        resolve_node("main", settings, "web")
    with pytest.raises(PacsSettingsError, match="No PACS node named 'other'"):
        resolve_node("other", settings)


def test_a_node_with_a_dicomweb_url_retrieves_by_wado_rs_unless_told_otherwise():
    assert PacsNode(name="a", aet="PACS").retrieve_method == "get"
    assert PacsNode(name="b", aet="PACS", dicomweb_url="http://pacs/dicom-web").retrieve_method == "web"
    assert PacsNode(name="c", aet="PACS", dicomweb_url="http://pacs/dicom-web", retrieve_method="move").retrieve_method == "move"
