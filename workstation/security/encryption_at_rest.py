"""Is the local cache encrypted at rest? The station's disk encryption is checked here, not done here.

The workstation does not encrypt DICOM files itself: every reader (pydicom, the codecs, the volume builder)
opens them by path, so the station's administrator puts WORKSTATION_HOME on an encrypted volume (LUKS /
dm-crypt, eCryptfs, gocryptfs, encfs, CryFS). This module finds the volume the archive lies on and says which
encryption it has; with ``"require_encrypted_cache": true`` in security.json the window refuses to start on
an unencrypted cache. fscrypt (per-folder ext4/f2fs encryption) is not detected: it reads as unencrypted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

MOUNTINFO = Path("/proc/self/mountinfo")
ENCRYPTING_FILESYSTEMS = {"ecryptfs": "eCryptfs", "fuse.gocryptfs": "gocryptfs", "fuse.encfs": "EncFS",
                          "fuse.cryfs": "CryFS"}


@dataclass(frozen=True)
class Mount:
    mount_point: str
    filesystem: str
    source: str
    device: str  # "major:minor"


def parse_mountinfo(text: str) -> list[Mount]:
    """/proc/self/mountinfo lines: ``id parent major:minor root mount-point options ... - fstype source ...``."""
    mounts = []
    for line in text.splitlines():
        before, _, after = line.partition(" - ")
        fields, tail = before.split(), after.split()
        if len(fields) >= 5 and len(tail) >= 2:
            mount_point = fields[4].replace("\\040", " ")
            mounts.append(Mount(mount_point, tail[0], tail[1], fields[2]))
    return mounts


def mount_of(path: Path, mounts: list[Mount]) -> Mount | None:
    """The mount holding ``path`` (the longest mount point above it; the last one mounted wins)."""
    resolved = str(path.resolve())
    best: Mount | None = None
    for mount in mounts:
        point = mount.mount_point.rstrip("/") or "/"
        inside = resolved == point or resolved.startswith(point + "/") or point == "/"
        if inside and (best is None or len(point) >= len(best.mount_point.rstrip("/") or "/")):
            best = mount
    return best


def encryption_of(mount: Mount, sys_root: Path = Path("/sys")) -> str:
    """How the mount is encrypted ('' when it is not, as far as can be seen)."""
    if mount.filesystem in ENCRYPTING_FILESYSTEMS:
        return ENCRYPTING_FILESYSTEMS[mount.filesystem]
    uuid_file = sys_root / "dev" / "block" / mount.device / "dm" / "uuid"
    try:
        uuid = uuid_file.read_text(encoding="ascii").strip()
    except OSError:
        return ""  # not a device-mapper device
    return "dm-crypt (LUKS)" if uuid.startswith("CRYPT-") else ""


def cache_encryption(folder: Path, mountinfo: Path = MOUNTINFO, sys_root: Path = Path("/sys")) -> str:
    """How the volume holding ``folder`` (the archive) is encrypted; '' when it is not or cannot be told."""
    try:
        mounts = parse_mountinfo(mountinfo.read_text(encoding="utf-8", errors="replace"))
    except OSError as error:
        log.warning("cannot read %s to check the cache's encryption: %s", mountinfo, error)
        return ""
    mount = mount_of(folder, mounts)
    return encryption_of(mount, sys_root) if mount is not None else ""
