"""The next file opened while the PACS prepares the next instance: used when taken, removed when not."""

from __future__ import annotations

import pytest

from workstation.core.errors import ArchiveError
from workstation.net.next_file import NextFile


class Opened:
    """A stand-in for an archive file: says whether it was discarded."""

    def __init__(self, number: int) -> None:
        self.number, self.discarded = number, False

    def discard(self) -> None:
        self.discarded = True


def test_the_prepared_file_is_the_one_taken_and_an_unused_one_is_removed():
    opened: list[Opened] = []

    def open_file() -> Opened:
        opened.append(Opened(len(opened)))
        return opened[-1]

    with NextFile(open_file) as files:
        first = files.take()  # nothing prepared yet: opened now
        files.prepare()
        files.prepare()  # one ahead at most
        assert len(opened) == 2
        assert files.take() is opened[1]
        files.prepare()
    assert [item.discarded for item in opened] == [False, False, True]  # only the one never taken
    assert first is opened[0]


def test_a_failed_preparation_is_left_to_the_next_take():
    outcomes = [ArchiveError("the disk is full; free some space"), ArchiveError("the disk is full; free some space")]

    def open_file():
        if outcomes:
            raise outcomes.pop(0)
        return "a file"

    files = NextFile(open_file)
    files.prepare()  # fails quietly: the instance just received is kept whatever comes next
    with pytest.raises(ArchiveError, match="disk is full"):
        files.take()  # tries again, and says why it cannot
    assert files.take() == "a file"
