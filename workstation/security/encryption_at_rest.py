"""Is the local cache encrypted at rest? By the workstation itself, by the volume, or by the folder.

Three ways count: ``"encrypt_cache": true`` in security.json (the workstation encrypts every file it
writes, see ``archive.encryption``); an encrypted volume under the archive (LUKS / dm-crypt, eCryptfs,
gocryptfs, EncFS, CryFS); an fscrypt-encrypted folder (ext4/f2fs per-folder encryption, seen through the
FS_ENCRYPT_FL inode flag). With ``"require_encrypted_cache": true`` the window and every command that
reads or writes the cache refuse to run on a cache encrypted none of these ways.
"""

from __future__ import annotations

import logging
import os
import struct
from dataclasses import dataclass
from pathlib import Path

from workstation.security.config import SecuritySettings, load_security_settings
from workstation.security.errors import SecurityError
from workstation.settings.cache_encryption import load_cache_encryption
from workstation.settings.home import archive_folder

log = logging.getLogger(__name__)

MOUNTINFO = Path("/proc/self/mountinfo")
FS_IOC_GETFLAGS = 0x80086601  # _IOR('f', 1, long) on 64-bit Linux
FS_ENCRYPT_FL = 0x00000800
WORKSTATION_ENCRYPTION = "workstation (AES-256-GCM, encrypt_cache)"
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


def fscrypt_encrypted(inode_flags: int) -> bool:
    """Whether inode flags (FS_IOC_GETFLAGS) mark a file or folder encrypted with fscrypt."""
    return bool(inode_flags & FS_ENCRYPT_FL)


def inode_flags(path: Path) -> int | None:
    """The inode flags of ``path`` (Linux ext4, f2fs, ...); None where the file system or the OS has none."""
    try:
        import fcntl
    except ImportError:
        return None  # Windows
    try:
        descriptor = os.open(path, os.O_RDONLY)  # a folder too
    except OSError as error:
        log.info("cannot open %s to read its inode flags: %s", path, error)
        return None
    try:
        answer = fcntl.ioctl(descriptor, FS_IOC_GETFLAGS, struct.pack("l", 0))
    except OSError:
        return None  # ENOTTY / EOPNOTSUPP: a file system without inode flags (tmpfs, overlayfs...)
    finally:
        os.close(descriptor)
    return struct.unpack("l", answer)[0]


def cache_encryption(folder: Path, mountinfo: Path = MOUNTINFO, sys_root: Path = Path("/sys")) -> str:
    """How the archive in ``folder`` is encrypted at rest; '' when it is not or cannot be told."""
    if load_cache_encryption().encrypt:
        return WORKSTATION_ENCRYPTION
    existing = next((path for path in (folder, *folder.parents) if path.exists()), None)
    flags = inode_flags(existing) if existing is not None else None
    if flags is not None and fscrypt_encrypted(flags):
        return "fscrypt"
    try:
        mounts = parse_mountinfo(mountinfo.read_text(encoding="utf-8", errors="replace"))
    except OSError as error:
        log.warning("cannot read %s to check the cache's encryption: %s", mountinfo, error)
        return ""
    mount = mount_of(folder, mounts)
    return encryption_of(mount, sys_root) if mount is not None else ""


def require_encrypted_cache(folder: Path | None = None, settings: SecuritySettings | None = None) -> None:
    """With ``require_encrypted_cache`` set, raise SecurityError unless the cache is encrypted at rest."""
    settings = settings or load_security_settings()
    if not settings.require_encrypted_cache:
        return
    folder = folder or archive_folder()
    how = cache_encryption(folder)
    if how:
        log.info("local cache %s is encrypted at rest (%s)", folder, how)
        return
    log.error("local cache %s is not encrypted at rest; refused (require_encrypted_cache)", folder)
    raise SecurityError(
        f"The local image cache ({folder}) is not encrypted, and this station's security settings require it "
        "(require_encrypted_cache). Set \"encrypt_cache\": true in security.json (then run `workstation archive "
        "encrypt`), or ask the administrator to put the workstation's home folder on an encrypted disk."
    )
