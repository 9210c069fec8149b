"""A full disk: a clear ArchiveError, and neither a partial file nor an index row left behind.

There is no small tmpfs here, so os.write is replaced by one that fails with ENOSPC after some bytes;
everything else (open, fsync, rename, SQLite) is the real code path.
"""

from __future__ import annotations

import errno
import os

import pytest

from tests.archive.factories import assert_index_and_files_agree, instance_bytes, stored_files
from workstation.core.errors import ArchiveError


@pytest.fixture
def disk_full_after(monkeypatch):
    """Make os.write fail with ENOSPC once ``limit`` bytes have been written."""

    def arm(limit: int) -> None:
        real_write = os.write
        written = 0

        def write(descriptor: int, data) -> int:
            nonlocal written
            room = limit - written
            if room <= 0:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            count = real_write(descriptor, bytes(data[:room]))
            written += count
            return count

        monkeypatch.setattr(os, "write", write)

    return arm


def test_store_on_full_disk_leaves_no_partial_file_nor_row(archive, disk_full_after, monkeypatch):
    archive.store_part10(instance_bytes(sop_instance_uid="1.2.3.1"))
    disk_full_after(1000)

    with pytest.raises(ArchiveError, match=r"^the archive disk is full: "):
        archive.store_part10(instance_bytes(sop_instance_uid="1.2.3.2", pixels=64))

    assert not archive.has_instance("1.2.3.2")
    assert len(stored_files(archive.folder)) == 1
    assert not any((archive.folder / "incoming").iterdir())
    assert_index_and_files_agree(archive)
    monkeypatch.undo()
    assert archive.store_part10(instance_bytes(sop_instance_uid="1.2.3.2", pixels=64)).stored


def test_import_stops_on_full_disk_and_keeps_only_whole_committed_files(archive, tmp_path, disk_full_after):
    for number in range(10):
        (tmp_path / f"{number}.dcm").write_bytes(instance_bytes(sop_instance_uid=f"1.2.4.{number}", pixels=64))
    disk_full_after(5 * 8500)

    with pytest.raises(ArchiveError, match=r"^the archive disk is full: "):
        archive.import_paths([tmp_path])

    assert archive.studies() == []  # the batch was not committed: nothing half-imported
    assert stored_files(archive.folder) == set()
    assert not any((archive.folder / "incoming").iterdir())


def test_full_index_removes_the_placed_file(archive):
    archive.store_part10(instance_bytes(sop_instance_uid="1.2.3.4"))
    connection = archive._index._connection  # SQLite's own limit makes it fail as on a full disk (SQLITE_FULL)
    (pages,) = connection.execute("PRAGMA page_count").fetchone()
    connection.execute(f"PRAGMA max_page_count = {pages}")

    with pytest.raises(ArchiveError, match=r"^the archive disk is full: "):
        for number in range(50):  # fills the free pages left in the last one, then fails
            archive.store_part10(
                instance_bytes(sop_instance_uid=f"1.2.3.5.{number}", study_instance_uid=f"1.2.8.{number}")
            )

    connection.execute(f"PRAGMA max_page_count = {2**30}")
    assert_index_and_files_agree(archive)
    assert len(stored_files(archive.folder)) == sum(s.instance_count for s in archive.studies())


def test_a_full_disk_while_an_instance_streams_in_leaves_no_partial_file(archive, disk_full_after, monkeypatch):
    """The WADO-RS study stream writes each part as it arrives: the write that fails says so and cleans up."""
    data = instance_bytes(sop_instance_uid="1.2.3.9", pixels=64)
    incoming = archive.receive_file()
    disk_full_after(3000)

    with pytest.raises(ArchiveError, match=r"^the archive disk is full: "):
        for start in range(0, len(data), 1024):
            incoming.write(data[start:start + 1024])

    assert not any((archive.folder / "incoming").iterdir()) and stored_files(archive.folder) == set()
    monkeypatch.undo()
    retry = archive.receive_file()
    retry.write(data)
    retry.close()
    (result,) = archive.file_incoming([retry])
    assert result.stored and result.path.read_bytes() == data
