"""Eviction: open or unread studies stay; old ones go by age, then the least recently used by size."""

from __future__ import annotations

import time

from tests.archive.factories import assert_index_and_files_agree, instance_bytes, stored_files
from workstation.archive.eviction import SECONDS_PER_DAY, studies_to_evict
from workstation.archive.records import StudyRecord

NOW = 1_700_000_000.0


def study(uid: str, days_ago: float, size: int = 100, read: bool = True) -> StudyRecord:
    return StudyRecord(uid, "P", "", "Name", "20240101", "", "", "", ("CT",), 1, 1, size,
                       NOW - days_ago * SECONDS_PER_DAY, read)


def test_age_rule_takes_only_read_closed_studies_older_than_the_limit():
    studies = [study("old", 40), study("recent", 5), study("old-unread", 50, read=False), study("old-open", 60)]

    chosen = studies_to_evict(studies, {"old-open"}, NOW, max_age_days=30)

    assert [s.study_instance_uid for s in chosen] == ["old"]


def test_size_rule_takes_least_recently_used_first_until_it_fits():
    studies = [study("a", 1, 300), study("b", 3, 300), study("c", 2, 300), study("d", 4, 300, read=False)]

    chosen = studies_to_evict(studies, set(), NOW, max_bytes=700)

    assert [s.study_instance_uid for s in chosen] == ["b", "c"]  # d is older but unread


def test_size_rule_counts_what_the_age_rule_already_freed():
    studies = [study("ancient", 100, 500), study("a", 1, 300), study("b", 2, 300)]

    chosen = studies_to_evict(studies, set(), NOW, max_bytes=700, max_age_days=30)

    assert [s.study_instance_uid for s in chosen] == ["ancient"]


def test_no_limits_evict_nothing():
    assert studies_to_evict([study("a", 1000)], set(), NOW) == []


def add_study(archive, number: int) -> str:
    uid = f"1.2.826.0.1.3680043.8.498.50.{number}"
    for instance in range(3):
        archive.store_part10(instance_bytes(
            sop_instance_uid=f"{uid}.{instance}", study_instance_uid=uid, series_instance_uid=f"{uid}.9",
            instance_number=instance, pixels=32,
        ))
    return uid


def test_archive_evicts_files_and_rows_but_keeps_open_and_unread(archive):
    oldest, opened, unread, newest = (add_study(archive, number) for number in range(4))
    for uid in (oldest, opened, newest):
        archive.set_read(uid)
    archive.mark_open(opened)
    time.sleep(0.01)
    archive.mark_open(newest)  # touching makes it the most recently used
    archive.mark_closed(newest)
    size = archive.study(oldest).size_bytes

    report = archive.evict(max_bytes=2 * size)

    assert report.evicted == (oldest, newest)
    assert report.freed_bytes == 2 * size
    assert report.remaining_bytes == 2 * size and report.over_limit_bytes == 0
    assert {s.study_instance_uid for s in archive.studies()} == {opened, unread}
    assert len(stored_files(archive.folder)) == 6
    assert_index_and_files_agree(archive)

    report = archive.evict(max_bytes=0)

    assert report.evicted == () and report.over_limit_bytes == 2 * size
    archive.mark_closed(opened)
    assert archive.evict(max_bytes=0).evicted == (opened,)


def test_nested_open_marks_protect_until_the_last_close(archive):
    uid = add_study(archive, 7)
    archive.set_read(uid)
    archive.mark_open(uid)
    archive.mark_open(uid)
    archive.mark_closed(uid)

    assert archive.evict(max_age_days=0).evicted == ()
    archive.mark_closed(uid)
    assert archive.evict(max_age_days=0).evicted == (uid,)
    assert stored_files(archive.folder) == set()
