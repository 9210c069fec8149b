"""The storage SCP files instances from several threads at once: each SOP instance is stored exactly once."""

from __future__ import annotations

import threading

from tests.archive.factories import assert_index_and_files_agree, instance_bytes, stored_files


def test_eight_threads_storing_overlapping_instances(archive):
    instances = {
        f"1.2.826.0.1.3680043.8.498.7.{number}": instance_bytes(
            sop_instance_uid=f"1.2.826.0.1.3680043.8.498.7.{number}",
            study_instance_uid=f"1.2.826.0.1.3680043.8.498.8.{number % 3}",
            series_instance_uid=f"1.2.826.0.1.3680043.8.498.9.{number % 6}",
            instance_number=number,
        )
        for number in range(120)
    }
    uids = sorted(instances)
    results: list = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def receive(thread_number: int) -> None:
        start.wait()
        try:
            # four threads receive each half of the instances, each starting somewhere else
            share = uids[: len(uids) // 2] if thread_number % 2 else uids[len(uids) // 2 :]
            offset = thread_number * 7
            for uid in share[offset:] + share[:offset]:
                results.append(archive.store_part10(instances[uid]))
                assert archive.has_instance(uid)
        except BaseException as error:  # collected and re-raised in the test thread
            errors.append(error)

    threads = [threading.Thread(target=receive, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    stored = [result.sop_instance_uid for result in results if result.stored]
    assert sorted(stored) == uids  # each once
    assert all(result.duplicate for result in results if not result.stored)
    stored_path = {result.sop_instance_uid: result.path for result in results if result.stored}
    assert all(result.path == stored_path[result.sop_instance_uid] for result in results)
    assert all(path.is_file() for path in stored_path.values())
    assert len(stored_files(archive.folder)) == len(uids)
    assert sum(study.instance_count for study in archive.studies()) == len(uids)
    assert {uid for study in archive.studies() for uid in archive.instance_uids(study.study_instance_uid)} == set(uids)
    assert not any((archive.folder / "incoming").iterdir())
    assert_index_and_files_agree(archive)
