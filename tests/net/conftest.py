"""Real Orthanc servers on loopback for the PACS tests, loaded with the real files from ../shared/dicom."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from workstation.net.orthanc_server import OrthancServer, free_port
from workstation.settings.pacs_nodes import LocalNode, PacsNode

CT_VOLUME = Path("ct_volume/pancreatic_ct_cbct_seg_philips_ct/dicom")
PRIORS = Path("priors_ct/SaltyJoke_COVID-19-NY-SBU")


def dicom_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*.dcm") if path.is_file())


@pytest.fixture(scope="session")
def ct_files(shared_dicom: Path) -> list[Path]:
    """The real 134-slice CT volume."""
    return dicom_files(shared_dicom / CT_VOLUME)


@pytest.fixture(scope="session")
def prior_files(shared_dicom: Path) -> list[Path]:
    """5 patients with 2 dated CT studies each (3 single images per study)."""
    return dicom_files(shared_dicom / PRIORS)


@pytest.fixture(scope="session")
def storage_port() -> int:
    """The port our C-MOVE storage SCP listens on, known to Orthanc as modality WORKSTATION."""
    return free_port()


@pytest.fixture()
def local(storage_port: int) -> LocalNode:
    return LocalNode(aet="WORKSTATION", storage_port=storage_port)


def start_orthanc(folder: Path, storage_port: int, **options) -> OrthancServer:
    server = OrthancServer(
        folder=folder, modalities={"workstation": ("WORKSTATION", "127.0.0.1", storage_port)}, **options
    )
    return server.start()


@pytest.fixture(scope="session")
def pacs(tmp_path_factory: pytest.TempPathFactory, ct_files: list[Path], prior_files: list[Path], storage_port: int) -> Iterator[OrthancServer]:
    """One Orthanc for the whole session, holding the CT volume (134 slices) and the 5 patients with priors."""
    server = start_orthanc(tmp_path_factory.mktemp("orthanc"), storage_port)
    try:
        server.upload(ct_files + prior_files)
        yield server
    finally:
        server.stop()


@pytest.fixture()
def node(pacs: OrthancServer) -> PacsNode:
    return pacs.node()
