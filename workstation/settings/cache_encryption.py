"""Whether this station encrypts its DICOM cache, and where the key lives: two entries of ``security.json``.

``{"encrypt_cache": true, "cache_key_file": "/etc/workstation/cache.key"}``; without ``cache_key_file`` the
key is in the per-user configuration folder (``~/.config/workstation/cache.key`` on Linux), never in the
cache it protects. Here, not in ``security.config``, because every reader of a cache file needs the key
file's place, and the DICOM readers must not depend on the security package.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import platformdirs

from workstation.core.errors import WorkstationError
from workstation.settings.home import workstation_home

log = logging.getLogger(__name__)
SECURITY_FILE_NAME = "security.json"
KEY_FILE_NAME = "cache.key"


@dataclass(frozen=True)
class CacheEncryption:
    encrypt: bool  # new cache files are written encrypted (existing ones stay as they are until converted)
    key_file: Path


def default_key_file() -> Path:
    return Path(platformdirs.user_config_dir("workstation", appauthor=False)) / KEY_FILE_NAME


def cache_encryption_from(data: dict, home: Path | None = None) -> CacheEncryption:
    """The settings from the parsed ``security.json``; a relative key file is taken from the workstation home."""
    configured = data.get("cache_key_file")
    key_file = Path(str(configured)).expanduser() if configured else default_key_file()
    if not key_file.is_absolute():
        key_file = (home or workstation_home()) / key_file
    return CacheEncryption(bool(data.get("encrypt_cache", False)), key_file)


def load_cache_encryption(home: Path | None = None) -> CacheEncryption:
    """This station's settings (read again only when ``security.json`` changes: every encrypted read asks)."""
    home = home or workstation_home()
    path = home / SECURITY_FILE_NAME
    try:
        status = path.stat()
    except FileNotFoundError:
        return cache_encryption_from({}, home)
    except OSError as error:
        raise _unreadable(path, error) from error
    return _load(path, home, status.st_mtime_ns, status.st_size)


@lru_cache(maxsize=8)
def _load(path: Path, home: Path, _mtime_ns: int, _size: int) -> CacheEncryption:
    try:
        return cache_encryption_from(json.loads(path.read_text(encoding="utf-8")), home)
    except (OSError, ValueError, AttributeError) as error:
        raise _unreadable(path, error) from error


def _unreadable(path: Path, error: Exception) -> WorkstationError:
    log.error("cannot read %s for the cache encryption settings: %s", path, error)
    return WorkstationError(f"The security settings {path} cannot be read ({error}); fix or remove the file.")
