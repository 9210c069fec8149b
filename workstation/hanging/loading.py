"""Where protocols come from: the shipped/site folder ``hanging_protocols/`` and each user's own folder.

Files are ``*.yaml``, ``*.yml`` or ``*.json``. A file that fails validation is skipped and its problems
are returned for the screen (and logged); it never stops the others from loading. A user protocol with
the same ``id`` as a site one replaces it for that user only.
"""

from __future__ import annotations

import getpass
import logging
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

from workstation.core.atomic_file import write_text_atomically
from workstation.core.errors import WorkstationError
from workstation.core.resources import shipped_hanging_protocols_folder
from workstation.hanging.protocol import HangingProtocol
from workstation.hanging.schema import ProtocolProblem, protocol_from_file, protocol_to_yaml
from workstation.settings.home import workstation_home
from workstation.settings.profile_folder import profile_user, user_folder_name

log = logging.getLogger(__name__)

SUFFIXES = (".yaml", ".yml", ".json")
USER_ENVIRONMENT_VARIABLE = "WORKSTATION_USER"


@dataclass(frozen=True)
class ProtocolLibrary:
    protocols: tuple[HangingProtocol, ...]
    problems: tuple[ProtocolProblem, ...]


def current_user() -> str:
    """Whose protocols apply: the signed-in workstation user, else WORKSTATION_USER, else the OS login."""
    return profile_user() or os.environ.get(USER_ENVIRONMENT_VARIABLE) or getpass.getuser()


def user_protocols_folder(user: str | None = None) -> Path:
    """``<WORKSTATION_HOME>/hanging_protocols/users/<user>``: a user's own protocols (other characters than
    letters, digits, . _ - become _, so "Jo Smith" works; a name that would leave the folder is refused)."""
    return workstation_home() / "hanging_protocols" / "users" / user_folder_name(user or current_user())


def load_protocols(user: str | None = None, site_folder: Path | None = None,
                   extra_files: tuple[Path, ...] = ()) -> ProtocolLibrary:
    """Site protocols, then the user's (overriding by id), then ``extra_files`` (protocol authors' drafts)."""
    problems: list[ProtocolProblem] = []
    by_id: dict[str, HangingProtocol] = {}
    sources = [*_files(site_folder or shipped_hanging_protocols_folder()), *_files(user_protocols_folder(user)),
               *extra_files]
    for path in sources:
        protocol, found = protocol_from_file(Path(path))
        for problem in found:
            log.warning("hanging protocol skipped: %s", problem)
        problems.extend(found)
        if protocol is not None:
            by_id.pop(protocol.id, None)
            by_id[protocol.id] = protocol
    protocols = tuple(replace(protocol, order=order) for order, protocol in enumerate(by_id.values()))
    return ProtocolLibrary(protocols, tuple(problems))


def save_user_protocol(protocol: HangingProtocol, user: str | None = None) -> Path:
    """Write atomically to the user's folder as ``<id>.yaml`` (replacing a protocol with the same id)."""
    if not re.fullmatch(r"[A-Za-z0-9._-]+", protocol.id):
        raise WorkstationError(f"The protocol id '{protocol.id}' may only hold letters, digits, '.', '_' and '-'.")
    folder = user_protocols_folder(user)
    target = folder / f"{protocol.id}.yaml"
    try:
        write_text_atomically(target, protocol_to_yaml(protocol))
    except OSError as error:
        log.error("cannot save hanging protocol %s: %s", target, error)
        raise WorkstationError(f"The protocol could not be saved to {target} ({error.strerror or error}).") from error
    log.info("saved hanging protocol %s", target)
    return target


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.iterdir() if path.suffix.lower() in SUFFIXES and path.is_file())
