"""Machine-wide site configuration: what an installer or a deployment tool sets for every user.

Read from a JSON file (``/etc/workstation/site.json`` on Linux, ``%ProgramData%\\Workstation\\site.json``
on Windows, or the path in ``WORKSTATION_SITE_CONFIG``). On Windows the MSI's properties
(``msiexec /i ... PACS_AET=...``) land as registry values under ``HKLM\\SOFTWARE\\Workstation\\Site`` and
take precedence over the file, since that is what a silent deployment just wrote. Per-user settings
are layered on top of this by the settings that read it.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from workstation.core.errors import WorkstationError

SITE_CONFIG_ENVIRONMENT_VARIABLE = "WORKSTATION_SITE_CONFIG"
WINDOWS_REGISTRY_KEY = r"SOFTWARE\Workstation\Site"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SiteConfig:
    """Site defaults; every field may be absent from the file (then empty)."""

    station_name: str = ""
    pacs_nodes: tuple[dict, ...] = ()  # fields of settings.pacs_nodes.PacsNode, which validates them
    ris_host: str = ""
    ris_port: int = 0
    shared_database_url: str = ""
    audit_destination: str = ""
    source: str = ""


def site_config_path() -> Path:
    configured = os.environ.get(SITE_CONFIG_ENVIRONMENT_VARIABLE)
    if configured:
        return Path(configured)
    if sys.platform == "win32":
        return Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "Workstation" / "site.json"
    return Path("/etc/workstation/site.json")


def load_site_config() -> SiteConfig:
    """Read the site file (absent: defaults) and, on Windows, the installer's registry values."""
    path = site_config_path()
    values: dict = {}
    if path.is_file():
        try:
            values = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise WorkstationError(f"the site configuration {path} cannot be read: {error}") from error
        if not isinstance(values, dict):
            raise WorkstationError(f"the site configuration {path} must hold a JSON object")
    if sys.platform == "win32":
        values = {**values, **_installer_registry_values()}
    return site_config_from_values(values, source=str(path))


def site_config_from_values(values: dict, source: str = "") -> SiteConfig:
    """Build a SiteConfig from the flat or nested keys a deployment writes, naming any bad field."""
    try:
        nodes = [dict(node) for node in values.get("pacs_nodes", [])]
        if values.get("pacs_ae_title"):
            nodes.insert(0, {
                "name": values.get("pacs_name") or "PACS",
                "aet": values["pacs_ae_title"],
                "host": values.get("pacs_host", ""),
                "port": int(values.get("pacs_port") or 104),
            })
        unknown = sorted(set(values) - KNOWN_KEYS)
        if unknown:
            log.warning("site configuration %s: ignoring unknown keys %s", source, ", ".join(unknown))
        return SiteConfig(
            station_name=str(values.get("station_name", "")),
            pacs_nodes=tuple(nodes),
            ris_host=str(values.get("ris_host", "")),
            ris_port=int(values.get("ris_port") or 0),
            shared_database_url=str(values.get("shared_database_url", "")),
            audit_destination=str(values.get("audit_destination", "")),
            source=source,
        )
    except (TypeError, ValueError) as error:
        raise WorkstationError(f"the site configuration {source} has a bad field: {error}") from error


KNOWN_KEYS = {"station_name", "pacs_nodes", "ris_host", "ris_port", "shared_database_url",
              "audit_destination", "pacs_name", "pacs_ae_title", "pacs_host", "pacs_port"}

REGISTRY_VALUE_NAMES = {
    "StationName": "station_name",
    "PacsName": "pacs_name",
    "PacsAeTitle": "pacs_ae_title",
    "PacsHost": "pacs_host",
    "PacsPort": "pacs_port",
    "RisHost": "ris_host",
    "RisPort": "ris_port",
    "SharedDatabaseUrl": "shared_database_url",
    "AuditDestination": "audit_destination",
}


def _installer_registry_values() -> dict:
    import winreg  # Windows only

    values = {}
    try:
        with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, WINDOWS_REGISTRY_KEY) as key:
            for registry_name, field_name in REGISTRY_VALUE_NAMES.items():
                try:
                    value, _kind = winreg.QueryValueEx(key, registry_name)
                except FileNotFoundError:
                    continue
                if value not in ("", None):
                    values[field_name] = value
    except FileNotFoundError:
        log.info("no installer site settings in the registry")
    return values
