"""Whether the cache is encrypted at rest: by the volume (mountinfo and sysfs as the kernel writes them), by
fscrypt (inode flags), or by the workstation (encrypt_cache); require_encrypted_cache in the commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workstation.cli import main
from workstation.security import encryption_at_rest
from workstation.security.encryption_at_rest import (
    FS_ENCRYPT_FL,
    cache_encryption,
    fscrypt_encrypted,
    inode_flags,
    mount_of,
    parse_mountinfo,
)
from workstation.security.errors import SecurityError
from workstation.settings.home import workstation_home

MOUNTINFO = """\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
40 27 253:1 / /srv/radiology rw,relatime - ext4 /dev/mapper/cache rw
41 40 0:50 / /srv/radiology/home\\040two rw,relatime - fuse.gocryptfs gocryptfs rw
42 27 253:2 / /srv/plain rw,relatime - ext4 /dev/mapper/vg-plain rw
"""


def sysfs(tmp_path: Path) -> Path:
    """Device-mapper UUIDs: 253:1 a LUKS mapping (CRYPT-), 253:2 a plain LVM volume."""
    for device, uuid in (("253:1", "CRYPT-LUKS2-0123456789abcdef-cache"), ("253:2", "LVM-abcdef")):
        folder = tmp_path / "sys" / "dev" / "block" / device / "dm"
        folder.mkdir(parents=True)
        (folder / "uuid").write_text(uuid + "\n", encoding="ascii")
    return tmp_path / "sys"


def test_the_deepest_mount_holding_the_folder_is_found():
    mounts = parse_mountinfo(MOUNTINFO)
    assert mount_of(Path("/srv/radiology/home two/archive"), mounts).filesystem == "fuse.gocryptfs"
    assert mount_of(Path("/srv/radiology/archive"), mounts).source == "/dev/mapper/cache"
    assert mount_of(Path("/srv/radiology-other"), mounts).mount_point == "/"


def test_luks_and_gocryptfs_count_as_encrypted_a_plain_volume_does_not(tmp_path):
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(MOUNTINFO, encoding="utf-8")
    root = sysfs(tmp_path)
    assert cache_encryption(Path("/srv/radiology/archive"), mountinfo, root) == "dm-crypt (LUKS)"
    assert cache_encryption(Path("/srv/radiology/home two/archive"), mountinfo, root) == "gocryptfs"
    assert cache_encryption(Path("/srv/plain/archive"), mountinfo, root) == ""
    assert cache_encryption(Path("/home/reader/archive"), mountinfo, root) == ""
    assert cache_encryption(Path("/srv/plain"), tmp_path / "missing", root) == ""


def test_fscrypt_flag_is_read_from_inode_flags():
    assert FS_ENCRYPT_FL == 0x800  # linux/fs.h
    assert fscrypt_encrypted(0x80000 | 0x800)  # extents + encrypted, as ext4 reports an fscrypt folder
    assert not fscrypt_encrypted(0x80000)  # extents only: a plain ext4 folder


def test_inode_flags_of_a_real_folder_are_read_or_unknown(tmp_path):
    flags = inode_flags(tmp_path)
    assert flags is None or not fscrypt_encrypted(flags)  # the test machine has no fscrypt folder


def test_fscrypt_folder_counts_as_encrypted(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(encryption_at_rest, "inode_flags", lambda path: seen.append(path) or 0x80800)
    assert cache_encryption(tmp_path / "archive" / "not yet made", tmp_path / "missing") == "fscrypt"
    assert seen == [tmp_path]  # the nearest existing folder: a new archive inherits its policy


def test_the_workstations_own_encryption_counts(tmp_path):
    assert cache_encryption(tmp_path, tmp_path / "missing") == ""
    (workstation_home() / "security.json").write_text(
        json.dumps({"encrypt_cache": True, "cache_key_file": str(tmp_path / "k")}), encoding="utf-8")
    assert "AES-256-GCM" in cache_encryption(tmp_path, tmp_path / "missing")


def test_commands_on_the_cache_obey_require_encrypted_cache(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(encryption_at_rest, "MOUNTINFO", tmp_path / "no mountinfo")
    monkeypatch.setattr(encryption_at_rest, "inode_flags", lambda path: None)
    settings = workstation_home() / "security.json"
    settings.write_text(json.dumps({"require_encrypted_cache": True}), encoding="utf-8")
    with pytest.raises(SecurityError, match="encrypt_cache"):
        encryption_at_rest.require_encrypted_cache()
    assert main(["archive", "list"]) == 1
    assert "not encrypted" in capsys.readouterr().err
    assert main(["import", str(tmp_path)]) == 1
    assert not (workstation_home() / "archive").exists()  # refused before the archive was touched
    settings.write_text(json.dumps({"require_encrypted_cache": True, "encrypt_cache": True,
                                    "cache_key_file": str(tmp_path / "cache.key")}), encoding="utf-8")
    assert main(["archive", "list"]) == 0
