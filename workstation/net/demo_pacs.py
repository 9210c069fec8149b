"""The embedded default PACS: a loopback Orthanc under WORKSTATION_HOME, seeded with the demo studies.

``start_demo_pacs`` leaves Orthanc running detached (its pid in ``orthanc.pid``) and registers it as the
PACS node ``demo``, so a new user's first query and retrieve are real. ``stop_demo_pacs`` ends it.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlparse

import requests

from workstation.net.errors import PacsError
from workstation.net.orthanc_server import OrthancServer
from workstation.settings.home import workstation_home
from workstation.settings.pacs_nodes import PacsNode, load_user_pacs_settings, save_pacs_settings

log = logging.getLogger(__name__)

DEMO_NODE_NAME = "demo"
DEMO_AET = "DEMOPACS"


def demo_pacs_folder(home: Path | None = None) -> Path:
    return (home or workstation_home()) / "pacs" / "demo-orthanc"


def _pid_file(folder: Path) -> Path:
    return folder / "orthanc.pid"


def _running_pid(folder: Path) -> int | None:
    try:
        pid = int(_pid_file(folder).read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def start_demo_pacs(seed_files: Iterable[Path], home: Path | None = None, method: str = "web") -> PacsNode:
    """Start (or find running) the demo Orthanc, load ``seed_files`` if it is empty, save node ``demo``."""
    folder = demo_pacs_folder(home)
    settings = load_user_pacs_settings(home)
    known = next((node for node in settings.nodes if node.name == DEMO_NODE_NAME), None)
    if known is not None and _running_pid(folder) is not None:
        try:
            if requests.get(f"http://127.0.0.1:{urlparse(known.dicomweb_url).port}/system", timeout=2).ok:
                return known
        except requests.RequestException:
            log.warning("demo PACS pid file present but REST does not answer; starting a new one")
    server = OrthancServer(
        folder=folder, aet=DEMO_AET,
        dicom_port=known.port if known else 0,
        http_port=(urlparse(known.dicomweb_url).port or 0) if known else 0,
        modalities={"workstation": (settings.local.aet, "127.0.0.1", settings.local.storage_port)},
    )
    try:
        server.start()
    except PacsError:
        if known is None:
            raise
        server.dicom_port = server.http_port = 0  # the remembered ports are taken: take new ones
        server.start()
    _pid_file(folder).write_text(str(server.pid))
    if server.instance_count() == 0:
        loaded = server.upload(sorted(seed_files))
        log.info("demo PACS seeded with %d instances", loaded)
    node = server.node(DEMO_NODE_NAME, method=method)
    save_pacs_settings(settings.with_node(node), home)
    return node


def stop_demo_pacs(home: Path | None = None, timeout: float = 10.0) -> bool:
    """Stop the demo Orthanc if it runs; True when one was stopped."""
    folder = demo_pacs_folder(home)
    pid = _running_pid(folder)
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:  # our own child (tests, the app): reap it
                break
        except ChildProcessError:
            pass
        try:
            os.kill(pid, 0)
        except OSError:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
    _pid_file(folder).unlink(missing_ok=True)
    log.info("demo PACS stopped")
    return True
