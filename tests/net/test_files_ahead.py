"""Files opened ahead: the receiving thread takes ready files; what was opened but not taken leaves nothing."""

from __future__ import annotations

import threading

import pytest

from workstation.archive import Archive
from workstation.core.errors import ArchiveError
from workstation.net.files_ahead import AHEAD, FilesAhead


def test_taken_files_are_usable_and_the_ones_left_are_removed(tmp_path):
    with Archive(tmp_path / "archive") as archive:
        incoming = archive.folder / "incoming"
        with FilesAhead(archive.receive_file) as files:
            taken = [files.take() for _ in range(AHEAD + 3)]  # more than are opened ahead at once
            for number, received in enumerate(taken):
                received.write(b"x" * number)
                received.close()
        left = sorted(path.name for path in incoming.iterdir())
        assert left == sorted(received.temporary.name for received in taken)  # only the taken ones
        assert [received.temporary.stat().st_size for received in taken] == list(range(AHEAD + 3))
        assert not any(thread.name == "files-ahead" for thread in threading.enumerate())


def test_a_file_that_cannot_be_created_fails_every_take():
    opened = []

    def open_file():
        if len(opened) == 2:
            raise ArchiveError("the disk is full; free some space")
        opened.append(object())
        return opened[-1]

    with FilesAhead(open_file) as files:
        assert [files.take(), files.take()] == opened
        for _ in range(2):
            with pytest.raises(ArchiveError, match="disk is full"):
                files.take()
