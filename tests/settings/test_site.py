"""Site configuration: what a deployment writes is what the station reads, and bad files say why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workstation.core.errors import WorkstationError
from workstation.settings.site import SitePacsNode, load_site_config


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
        "pacs_nodes": [{"name": "Archive", "ae_title": "VNA", "host": "10.0.0.5", "port": 11112,
                        "retrieve_method": "move"}],
        "pacs_ae_title": "PACS", "pacs_host": "pacs.local", "pacs_port": "104",
        "ris_host": "ris.local", "ris_port": 2575,
        "shared_database_url": "postgresql://worklist@db/worklist",
    }))
    config = load_site_config()
    assert config.station_name == "CT-READ-3"
    assert config.pacs_nodes == (
        SitePacsNode(name="PACS", ae_title="PACS", host="pacs.local", port=104),
        SitePacsNode(name="Archive", ae_title="VNA", host="10.0.0.5", port=11112, retrieve_method="move"),
    )
    assert (config.ris_host, config.ris_port) == ("ris.local", 2575)
    assert config.shared_database_url.startswith("postgresql://")


@pytest.mark.parametrize("content, problem", [
    ("{not json", "cannot be read"),
    ("[1, 2]", "must hold a JSON object"),
    ('{"pacs_nodes": [{"name": "X"}]}', "bad field"),
    ('{"ris_port": "two"}', "bad field"),
])
def test_broken_site_file_names_the_file_and_the_problem(site_file: Path, content: str, problem: str):
    site_file.write_text(content)
    with pytest.raises(WorkstationError) as raised:
        load_site_config()
    assert str(site_file) in str(raised.value)
    assert problem in str(raised.value)
