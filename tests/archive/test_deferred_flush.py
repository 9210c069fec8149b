"""Retrieved instances are flushed after filing: rows marked not durable until then, checked after a crash."""

from __future__ import annotations

import sqlite3
import threading
import time

from tests.archive.factories import assert_index_and_files_agree, instance_bytes
from workstation.archive import Archive
from workstation.archive import archive as archive_module
from workstation.archive import deferred_flush as deferred_flush_module
from workstation.archive.deferred_flush import DeferredFlush
from workstation.archive.index import SCHEMA
from workstation.archive.store import FileStore


def durable_flags(folder) -> dict[str, int]:
    with sqlite3.connect(folder / "index.sqlite") as connection:
        return dict(connection.execute("SELECT sop_instance_uid, durable FROM instances"))


def test_a_retrieved_instance_is_flushed_after_filing_and_then_marked_durable(tmp_path, monkeypatch):
    flushed: list[list[str]] = []
    release = threading.Event()
    folder = tmp_path / "archive"
    with Archive(folder) as archive:
        original = archive._store.flush_files

        def slow_flush(relatives: list[str]) -> None:
            assert release.wait(10)
            flushed.append(relatives)
            original(relatives)

        monkeypatch.setattr(archive._store, "flush_files", slow_flush)
        pushed = archive.store_part10(instance_bytes(sop_instance_uid="1.2.3.1"))
        fetched = archive.store_part10(instance_bytes(sop_instance_uid="1.2.3.2"), from_pacs=True)
        assert pushed.stored and fetched.stored and fetched.path.is_file()
        assert archive.has_instance("1.2.3.2")  # readable at once, before its flush
        assert durable_flags(folder) == {"1.2.3.1": 1, "1.2.3.2": 0}
        release.set()
        assert archive.wait_until_durable(10)
        assert durable_flags(folder) == {"1.2.3.1": 1, "1.2.3.2": 1}
    assert flushed == [[fetched.path.relative_to(folder).as_posix()]]


def boot_flags(folder) -> dict[str, tuple[int, str]]:
    with sqlite3.connect(folder / "index.sqlite") as connection:
        return {uid: (durable, boot) for uid, durable, boot in connection.execute(
            "SELECT sop_instance_uid, durable, written_boot FROM instances")}


def store_retrieved(archive: Archive, count: int) -> None:
    for number in range(count):
        archive.store_part10(instance_bytes(sop_instance_uid=f"1.2.3.{number}", instance_number=number, pixels=64),
                             from_pacs=True)


def test_closing_leaves_the_flush_to_the_kernel_and_the_next_opening_in_the_same_boot_trusts_it(tmp_path, monkeypatch):
    monkeypatch.setattr(deferred_flush_module, "SETTLE_SECONDS", 30.0)  # nothing flushed before closing
    folder = tmp_path / "archive"
    with Archive(folder) as archive:
        store_retrieved(archive, 40)
    boot = deferred_flush_module.current_boot_id()
    assert boot and set(boot_flags(folder).values()) == {(0, boot)}

    def no_reading(_relative: str) -> bytes:
        raise AssertionError("a file written in this boot was read back to be checked")

    monkeypatch.setattr(FileStore, "read", no_reading)
    with Archive(folder) as reopened:
        assert len(reopened.instance_uids("1.2.826.0.1.3680043.8.498.1")) == 40
        assert reopened.wait_until_durable(10)  # handed to the flush at once
        assert set(durable_flags(folder).values()) == {1}


def test_closing_waits_for_the_flush_when_asked_or_when_the_boot_cannot_be_told(tmp_path, monkeypatch):
    monkeypatch.setattr(deferred_flush_module, "SETTLE_SECONDS", 30.0)
    archive = Archive(tmp_path / "asked")
    store_retrieved(archive, 20)
    archive.close(flush_timeout=10)
    assert set(durable_flags(tmp_path / "asked").values()) == {1}

    monkeypatch.setattr(archive_module, "current_boot_id", lambda: "")
    with Archive(tmp_path / "unknown boot") as archive:
        store_retrieved(archive, 20)
    assert set(boot_flags(tmp_path / "unknown boot").values()) == {(1, "")}


def test_after_a_reboot_sound_unflushed_files_are_kept_and_broken_ones_dropped(tmp_path):
    """A power loss can leave a renamed file short or empty while its row survived: the first opening after
    the reboot keeps the whole files (and flushes them), drops the short, empty and vanished ones, and a
    resume stores those again."""
    folder = tmp_path / "archive"
    archive = Archive(folder)
    results = {uid: archive.store_part10(instance_bytes(sop_instance_uid=uid, pixels=64), from_pacs=True)
               for uid in ("1.2.3.1", "1.2.3.2", "1.2.3.3", "1.2.3.4")}
    archive.close(flush_timeout=0)
    with sqlite3.connect(folder / "index.sqlite") as connection:  # what the flush may not have reached
        connection.execute("UPDATE instances SET durable = 0, written_boot = 'a boot before the power loss'")
    whole = results["1.2.3.1"].path.read_bytes()
    results["1.2.3.2"].path.write_bytes(results["1.2.3.2"].path.read_bytes()[:3000])
    results["1.2.3.3"].path.write_bytes(b"")
    results["1.2.3.4"].path.unlink()

    with Archive(folder) as reopened:
        assert reopened.instance_uids("1.2.826.0.1.3680043.8.498.1") == {"1.2.3.1"}
        assert results["1.2.3.1"].path.read_bytes() == whole
        assert not results["1.2.3.2"].path.exists() and not results["1.2.3.3"].path.exists()
        assert_index_and_files_agree(reopened)
        assert reopened.wait_until_durable(10)
        assert durable_flags(folder) == {"1.2.3.1": 1}
        for uid in ("1.2.3.2", "1.2.3.3", "1.2.3.4"):
            assert reopened.store_part10(instance_bytes(sop_instance_uid=uid, pixels=64), from_pacs=True).stored
        assert reopened.instance_uids("1.2.826.0.1.3680043.8.498.1") == set(results)


def test_an_index_made_before_deferred_flushes_opens_with_every_row_durable(tmp_path, monkeypatch):
    monkeypatch.setattr(deferred_flush_module, "SETTLE_SECONDS", 30.0)
    folder = tmp_path / "archive"
    with Archive(folder) as archive:
        archive.store_part10(instance_bytes(sop_instance_uid="1.2.3.1"))
    with sqlite3.connect(folder / "index.sqlite") as connection:  # rebuild the instances table without the column
        old_table = SCHEMA.split("CREATE TABLE IF NOT EXISTS instances")[1].split(");")[0].replace(
            ",\n    durable INTEGER NOT NULL DEFAULT 1,\n    written_boot TEXT NOT NULL DEFAULT ''", "")
        connection.executescript(
            "DROP INDEX IF EXISTS instances_not_durable; ALTER TABLE instances RENAME TO old;"
            f"CREATE TABLE instances {old_table});"
            "INSERT INTO instances SELECT sop_instance_uid, series_instance_uid, sop_class_uid, instance_number,"
            " path, size_bytes, stored_at FROM old; DROP TABLE old;")
        assert "durable" not in {row[1] for row in connection.execute("PRAGMA table_info(instances)")}

    with Archive(folder) as archive:
        assert archive.has_instance("1.2.3.1")
        assert archive.store_part10(instance_bytes(sop_instance_uid="1.2.3.2"), from_pacs=True).stored
    assert durable_flags(folder) == {"1.2.3.1": 1, "1.2.3.2": 0}


def test_flushing_waits_for_filing_to_pause_unless_someone_waits(monkeypatch):
    monkeypatch.setattr(deferred_flush_module, "SETTLE_SECONDS", 5.0)
    flushed: list[str] = []
    flush = DeferredFlush(flushed.extend)
    flush.add(["a", "b"])
    time.sleep(0.2)
    assert flushed == []  # still settling
    assert flush.wait(5)
    assert sorted(flushed) == ["a", "b"]
    assert flush.close(5) == 0


def test_a_failed_flush_is_logged_and_leaves_the_paths_for_the_next_opening(caplog):
    def failing(_paths: list[str]) -> None:
        raise OSError(5, "Input/output error")

    flush = DeferredFlush(failing)
    flush.add(["a"])
    assert flush.wait(5)
    assert flush.close(5) == 0
    assert "flushing 1 retrieved files to disk failed" in caplog.text
