"""Worklist settings of this station, in ``worklist.json`` under the state folder.

``store`` is empty for a single station (SQLite under the state folder) or a PostgreSQL URL shared by the
department; ``mwl_node`` / ``pacs_node`` name nodes from the PACS settings; ``ris_port`` 0 means no RIS.
"""

from __future__ import annotations

import getpass
import json
import logging
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from workstation.core.atomic_file import write_text_atomically
from workstation.settings.home import workstation_home
from workstation.worklist.errors import WorklistError

log = logging.getLogger(__name__)

CONFIG_FILE_NAME = "worklist.json"


@dataclass(frozen=True)
class WorklistConfig:
    store: str = ""
    user: str = ""
    hl7_host: str = "127.0.0.1"
    hl7_port: int = 0
    ris_host: str = "127.0.0.1"
    ris_port: int = 0
    mwl_node: str = ""
    mwl_modality: str = ""
    mwl_station_aet: str = ""
    pacs_node: str = ""
    poll_seconds: float = 30.0
    lease_seconds: float = 120.0
    ehr_template: str = ""

    def store_location(self, home: Path | None = None) -> str:
        return self.store or str((home or workstation_home()) / "worklist" / "worklist.sqlite")

    def reader(self) -> str:
        return self.user or getpass.getuser()

    def with_changes(self, **changes: object) -> "WorklistConfig":
        return replace(self, **changes)


def config_path(home: Path | None = None) -> Path:
    return (home or workstation_home()) / CONFIG_FILE_NAME


def load_worklist_config(home: Path | None = None) -> WorklistConfig:
    path = config_path(home)
    if not path.exists():
        return WorklistConfig()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        known = {item.name for item in fields(WorklistConfig)}
        return WorklistConfig(**{key: value for key, value in data.items() if key in known})
    except (OSError, ValueError, TypeError) as error:
        log.error("worklist settings %s unreadable: %s", path, error)
        raise WorklistError(f"The worklist settings file {path} cannot be read ({error}); fix or delete it.") from error


def save_worklist_config(config: WorklistConfig, home: Path | None = None) -> Path:
    path = config_path(home)
    write_text_atomically(path, json.dumps(asdict(config), indent=2))
    return path
