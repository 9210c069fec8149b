"""PACS nodes and the workstation's own DICOM identity, kept in ``pacs_nodes.json`` under the state folder.

Typed and validated on load, written atomically (temp file + fsync + rename) so a crash never leaves a
half-written file. A node is named by the user; the command line also accepts ``AET@HOST:PORT`` and a
DICOMweb base URL for one-off nodes.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from urllib.parse import urlparse

from workstation.core.atomic_file import write_text_atomically
from workstation.core.errors import WorkstationError
from workstation.settings.home import workstation_home
from workstation.settings.site import load_site_config

log = logging.getLogger(__name__)

SETTINGS_FILE_NAME = "pacs_nodes.json"
RETRIEVE_METHODS = ("get", "move", "web")
_AE_TITLE = re.compile(r"^[ -\[\]-~]{1,16}$")  # printable ASCII without backslash, 1-16 characters
_ADDRESS = re.compile(r"^(?P<aet>[^@]{1,16})@(?P<host>[^:]+):(?P<port>\d{1,5})$")


class PacsSettingsError(WorkstationError):
    """The PACS settings file or a node given on the command line is not valid."""


@dataclass(frozen=True)
class PacsNode:
    """A remote archive: where it is, how to talk to it securely, and how to fetch from it."""

    name: str
    aet: str = ""
    host: str = "127.0.0.1"
    port: int = 104
    dicomweb_url: str = ""
    retrieve_method: str = ""  # empty: WADO-RS when the node has a DICOMweb URL (our fastest path), else C-GET
    tls: bool = False
    ca_certificate: str = ""
    client_certificate: str = ""
    client_key: str = ""
    connect_timeout: float = 10.0
    network_timeout: float = 30.0
    query_limit: int = 500  # most studies one search lists ("more than N: narrow the search" beyond)

    def __post_init__(self) -> None:
        if not self.retrieve_method:
            object.__setattr__(self, "retrieve_method", "web" if self.dicomweb_url else "get")
        if self.retrieve_method not in RETRIEVE_METHODS:
            raise PacsSettingsError(
                f"PACS node {self.name!r}: retrieve method {self.retrieve_method!r} is not one of "
                f"{', '.join(RETRIEVE_METHODS)}"
            )
        if self.aet and not _AE_TITLE.match(self.aet):
            raise PacsSettingsError(f"PACS node {self.name!r}: AE title {self.aet!r} must be 1-16 printable characters")
        if not 0 < self.port < 65536:
            raise PacsSettingsError(f"PACS node {self.name!r}: port {self.port} is not between 1 and 65535")
        if self.query_limit < 1:
            raise PacsSettingsError(f"PACS node {self.name!r}: query limit {self.query_limit} must be at least 1")
        if self.retrieve_method == "web" and not self.dicomweb_url:
            raise PacsSettingsError(f"PACS node {self.name!r}: DICOMweb retrieval needs a DICOMweb URL")
        if self.retrieve_method != "web" and not self.aet:
            raise PacsSettingsError(f"PACS node {self.name!r}: C-GET/C-MOVE need the PACS's AE title")
        if self.tls and not self.ca_certificate:
            raise PacsSettingsError(f"PACS node {self.name!r}: TLS needs the CA certificate that signed the PACS's")

    @property
    def address(self) -> str:
        return f"{self.aet}@{self.host}:{self.port}" if self.aet else self.dicomweb_url


@dataclass(frozen=True)
class LocalNode:
    """The workstation's own AE title and the ports its storage SCP listens on for C-MOVE.

    ``tls_storage_port`` (0 = off) is a second, TLS-only listener for PACS nodes that send over DICOM
    TLS, with this workstation's certificate and key; with ``tls_ca_certificate`` set, only PACS
    presenting a certificate signed by that CA may connect.
    """

    aet: str = "WORKSTATION"
    storage_port: int = 11112
    maximum_pdu_size: int = 1_048_576
    tls_storage_port: int = 0
    tls_certificate: str = ""
    tls_private_key: str = ""
    tls_ca_certificate: str = ""

    def __post_init__(self) -> None:
        if not _AE_TITLE.match(self.aet):
            raise PacsSettingsError(f"The workstation's AE title {self.aet!r} must be 1-16 printable characters")
        if self.tls_storage_port and not (self.tls_certificate and self.tls_private_key):
            raise PacsSettingsError("The TLS storage port needs this workstation's certificate and private key")


@dataclass(frozen=True)
class PacsSettings:
    local: LocalNode = field(default_factory=LocalNode)
    nodes: tuple[PacsNode, ...] = ()

    def node(self, name: str) -> PacsNode:
        for node in self.nodes:
            if node.name == name:
                return node
        known = ", ".join(node.name for node in self.nodes) or "none configured"
        raise PacsSettingsError(f"No PACS node named {name!r} (known: {known})")

    def with_node(self, node: PacsNode) -> "PacsSettings":
        """These settings with ``node`` added, or replacing the node of the same name."""
        others = tuple(existing for existing in self.nodes if existing.name != node.name)
        return replace(self, nodes=(*others, node))


def settings_path(home: Path | None = None) -> Path:
    return (home or workstation_home()) / SETTINGS_FILE_NAME


def load_pacs_settings(home: Path | None = None) -> PacsSettings:
    """The nodes in use: the site's (machine-wide, set by the installer) with the user's own on top;
    a user node of the same name replaces the site's."""
    user = load_user_pacs_settings(home)
    site = load_site_config()
    try:
        site_nodes = tuple(PacsNode(**node) for node in site.pacs_nodes)
    except TypeError as error:
        raise PacsSettingsError(f"A PACS node in the site configuration {site.source} is not valid ({error})") from error
    user_names = {node.name for node in user.nodes}
    return replace(user, nodes=(*(node for node in site_nodes if node.name not in user_names), *user.nodes))


def load_user_pacs_settings(home: Path | None = None) -> PacsSettings:
    """Only what this user configured (what ``save_pacs_settings`` writes back)."""
    path = settings_path(home)
    if not path.exists():
        return PacsSettings()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return PacsSettings(
            local=LocalNode(**raw.get("local", {})),
            nodes=tuple(PacsNode(**node) for node in raw.get("nodes", [])),
        )
    except (OSError, ValueError, TypeError) as error:
        log.error("cannot read %s: %s", path, error)
        raise PacsSettingsError(f"The PACS settings file {path} is not valid ({error}); fix or delete it") from error


def save_pacs_settings(settings: PacsSettings, home: Path | None = None) -> Path:
    path = settings_path(home)
    text = json.dumps({"local": asdict(settings.local), "nodes": [asdict(node) for node in settings.nodes]}, indent=2)
    write_text_atomically(path, text)
    return path


def resolve_node(spec: str, settings: PacsSettings, method: str | None = None) -> PacsNode:
    """A node from a configured name, ``AET@HOST:PORT`` (DIMSE) or ``http(s)://HOST:PORT/dicom-web``."""
    if spec.startswith(("http://", "https://")):
        if not urlparse(spec).hostname:
            raise PacsSettingsError(f"{spec!r} is not a DICOMweb URL (expected http://HOST:PORT/dicom-web)")
        return PacsNode(name=spec, dicomweb_url=spec.rstrip("/"), retrieve_method="web")
    match = _ADDRESS.match(spec)
    if match:
        chosen = method or "get"
        if chosen == "web":
            raise PacsSettingsError(f"{spec!r} is a DIMSE address; --method web needs a DICOMweb URL")
        return PacsNode(
            name=spec, aet=match["aet"], host=match["host"], port=int(match["port"]), retrieve_method=chosen
        )
    node = settings.node(spec)
    return replace(node, retrieve_method=method) if method else node
