"""Group commit: concurrent submitters share commits, each gets its own outcome, a failed batch fails its own."""

from __future__ import annotations

import threading

import pytest

from workstation.archive.group_commit import GroupCommit
from workstation.core.errors import ArchiveError


def test_a_lone_submit_commits_at_once():
    batches: list[list[int]] = []

    def commit(items: list[int]) -> list[int]:
        batches.append(items)
        return [item * 10 for item in items]

    group = GroupCommit(commit)
    assert group.submit(1) == 10
    assert group.submit(2) == 20
    assert batches == [[1], [2]]


def test_submits_arriving_during_a_commit_are_committed_together_with_their_own_outcomes():
    first_started, release_first = threading.Event(), threading.Event()
    batches: list[list[int]] = []

    def commit(items: list[int]) -> list[int]:
        batches.append(list(items))
        if items == [0]:
            first_started.set()
            assert release_first.wait(10)
        return [item * 10 for item in items]

    group = GroupCommit(commit)
    outcomes: dict[int, int] = {}

    def submit(item: int) -> None:
        outcomes[item] = group.submit(item)

    leader = threading.Thread(target=submit, args=(0,))
    leader.start()
    assert first_started.wait(10)
    followers = [threading.Thread(target=submit, args=(item,)) for item in range(1, 9)]
    for thread in followers:
        thread.start()
    while len(group._waiting) < 8:  # all eight queued behind the running commit
        threading.Event().wait(0.001)
    release_first.set()
    for thread in [leader, *followers]:
        thread.join(10)

    assert outcomes == {item: item * 10 for item in range(9)}
    assert batches == [[0], sorted(batches[1])] and sorted(batches[1]) == list(range(1, 9))


def test_a_failed_batch_raises_in_each_of_its_submitters_and_the_next_batch_works():
    fail = True

    def commit(items: list[str]) -> list[str]:
        if fail:
            raise ArchiveError("disk full")
        return [item.upper() for item in items]

    group = GroupCommit(commit)
    with pytest.raises(ArchiveError, match="disk full"):
        group.submit("a")
    fail = False
    assert group.submit("b") == "B"
