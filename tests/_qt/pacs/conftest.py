"""A main window with the PACS page installed over a real loopback Orthanc (the tests/net fixtures)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.net.conftest import ct_files, fake_pacs, local, pacs, prior_files, storage_port  # noqa: F401 - fixtures
from workstation._qt.main_window import MainWindow
from workstation._qt.pacs.screen import PacsScreen, install_pacs
from workstation.net.outbox import Outbox
from workstation.net.service import PacsService
from workstation.settings.pacs_nodes import LocalNode, PacsNode, PacsSettings

InstallPacs = Callable[..., PacsScreen]


@pytest.fixture
def install_pacs_page(main_window: MainWindow, local: LocalNode, tmp_path: Path) -> Iterator[InstallPacs]:  # noqa: F811
    """``install(*nodes, local=...)`` starts a PacsService on those nodes and adds the PACS page to the window;
    closing the window (fixture teardown) stops it."""
    screens: list[PacsScreen] = []

    def install(*nodes: PacsNode, local_node: LocalNode | None = None) -> PacsScreen:
        settings = PacsSettings(local=local_node or local, nodes=nodes)
        service = PacsService(main_window.archive, settings, Outbox(tmp_path / "outbox")).start()
        screens.append(install_pacs(main_window, service))
        return screens[-1]

    yield install
    for screen in screens:
        screen.shutdown()
