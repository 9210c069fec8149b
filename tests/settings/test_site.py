"""Site configuration: what a deployment writes is what the station reads, and bad files say why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workstation.core.errors import WorkstationError
from workstation.settings.pacs_nodes import PacsNode, PacsSettingsError, load_pacs_settings, save_pacs_settings
from workstation.settings.pacs_nodes import load_user_pacs_settings
from workstation.settings.site import load_site_config


@pytest.fixture
def site_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "site.json"
    monkeypatch.setenv("WORKSTATION_SITE_CONFIG", str(path))
    return path


def test_absent_site_file_gives_empty_defaults(site_file: Path):
    config = load_site_config()
    assert config.pacs_nodes == ()
    assert config.ris_host == ""


def test_nodes_and_flat_installer_keys_are_both_read(site_file: Path):
    site_file.write_text(json.dumps({
        "station_name": "CT-READ-3",
        "pacs_nodes": [{"name": "Archive", "aet": "VNA", "host": "10.0.0.5", "port": 11112,
                        "retrieve_method": "move"}],
        "pacs_ae_title": "PACS", "pacs_host": "pacs.local", "pacs_port": "104",
        "ris_host": "ris.local", "ris_port": 2575,
        "shared_database_url": "postgresql://worklist@db/worklist",
    }))
    config = load_site_config()
    assert config.station_name == "CT-READ-3"
    assert config.pacs_nodes == (
        {"name": "PACS", "aet": "PACS", "host": "pacs.local", "port": 104},
        {"name": "Archive", "aet": "VNA", "host": "10.0.0.5", "port": 11112, "retrieve_method": "move"},
    )
    assert (config.ris_host, config.ris_port) == ("ris.local", 2575)
    assert config.shared_database_url.startswith("postgresql://")


@pytest.mark.parametrize("content, problem", [
    ("{not json", "cannot be read"),
    ("[1, 2]", "must hold a JSON object"),
    ('{"pacs_nodes": ["not a node"]}', "bad field"),
    ('{"ris_port": "two"}', "bad field"),
])
def test_broken_site_file_names_the_file_and_the_problem(site_file: Path, content: str, problem: str):
    site_file.write_text(content)
    with pytest.raises(WorkstationError) as raised:
        load_site_config()
    assert str(site_file) in str(raised.value)
    assert problem in str(raised.value)


def test_site_nodes_sit_under_the_users_and_are_never_saved_into_the_user_file(site_file: Path):
    site_file.write_text(json.dumps({
        "pacs_ae_title": "PACS", "pacs_host": "pacs.local",
        "pacs_nodes": [{"name": "Archive", "aet": "VNA", "host": "vna.local", "port": 11112}],
    }))
    save_pacs_settings(load_user_pacs_settings().with_node(PacsNode(name="PACS", aet="MYPACS", host="127.0.0.1")))
    nodes = {node.name: node for node in load_pacs_settings().nodes}
    assert nodes["PACS"].aet == "MYPACS"  # the user's node of the same name wins
    assert nodes["Archive"].host == "vna.local"
    assert [node.name for node in load_user_pacs_settings().nodes] == ["PACS"]


def test_an_invalid_site_node_names_the_site_file(site_file: Path):
    site_file.write_text(json.dumps({"pacs_nodes": [{"name": "Archive", "aet": "VNA", "colour": "red"}]}))
    with pytest.raises(PacsSettingsError) as raised:
        load_pacs_settings()
    assert str(site_file) in str(raised.value)
