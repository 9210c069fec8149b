"""Which volume the cache lies on and whether it is encrypted (mountinfo and sysfs as the kernel writes them)."""

from __future__ import annotations

from pathlib import Path

from workstation.security.encryption_at_rest import cache_encryption, mount_of, parse_mountinfo

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
