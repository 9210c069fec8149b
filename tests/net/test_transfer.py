"""The transfer's hand-off to the archive: bounded in bytes, every file stored or its error recorded.

Two hand-offs: whole files to writer threads (C-GET, C-MOVE), and files written as they arrive to one
filer thread that files what has queued up in batches (the WADO-RS study stream).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

from tests.archive.factories import instance_bytes
from workstation.archive import Archive
from workstation.core.errors import ArchiveError
from workstation.net import transfer as transfer_module
from workstation.net.transfer import Transfer
from workstation.settings.home import workstation_home


@dataclass(frozen=True)
class Stored:
    sop_instance_uid: str
    stored: bool = True
    duplicate: bool = False


class SlowArchive:
    """Stores nothing until released; counts what it was handed."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.handed: list[bytes] = []

    def store_part10(self, data: bytes, *, from_pacs: bool = False) -> Stored:
        assert self.release.wait(10)
        if data.startswith(b"bad"):
            raise ArchiveError("disk full")
        self.handed.append(data)
        return Stored(str(len(self.handed)))


def test_receiver_waits_while_the_bytes_in_flight_are_at_the_limit(monkeypatch):
    monkeypatch.setattr(transfer_module, "WRITE_BYTES_IN_FLIGHT", 1000)
    archive = SlowArchive()
    transfer = Transfer(archive)
    transfer.store_soon(b"a" * 600)
    third_handed = threading.Event()

    def receive() -> None:
        transfer.store_soon(b"b" * 600)  # 1200 bytes would be over the limit: waits for the first write
        third_handed.set()

    receiver = threading.Thread(target=receive)
    receiver.start()
    assert not third_handed.wait(0.3)
    archive.release.set()
    assert third_handed.wait(10)
    receiver.join(10)
    transfer.store_soon(b"c" * 5000)  # larger than the limit alone: still accepted when nothing is in flight
    transfer.finish_writes()
    assert sorted(len(data) for data in archive.handed) == [600, 600, 5000]
    assert transfer.received_instances == 3 and transfer.store_errors == []


def test_a_failed_write_is_recorded_and_frees_its_bytes(monkeypatch):
    monkeypatch.setattr(transfer_module, "WRITE_BYTES_IN_FLIGHT", 1000)
    archive = SlowArchive()
    archive.release.set()
    transfer = Transfer(archive)
    transfer.store_soon(b"bad" + b"x" * 900)
    transfer.store_soon(b"good" + b"x" * 900)
    transfer.finish_writes()
    assert transfer.store_errors == ["disk full"] and transfer.received_instances == 1


def streamed(transfer: Transfer, data: bytes) -> None:
    received = transfer.receive_file()
    for start in range(0, len(data), 1000):
        received.write(memoryview(data)[start:start + 1000])
    received.close()
    transfer.file_soon(received)


def test_streamed_files_are_filed_in_batches_and_counted(tmp_path, monkeypatch):
    batches = []
    with Archive(tmp_path / "archive") as archive:
        file_incoming = archive.file_incoming
        monkeypatch.setattr(archive, "file_incoming", lambda files: batches.append(len(files)) or file_incoming(files))
        transfer = Transfer(archive)
        files = [instance_bytes(sop_instance_uid=f"1.2.5.{number}", pixels=48) for number in range(40)]
        for data in files:
            streamed(transfer, data)
        streamed(transfer, files[0])  # the same instance again: a duplicate, not stored twice
        transfer.finish_writes()

        assert transfer.received_instances == 40 and transfer.duplicates == 1 and transfer.store_errors == []
        assert transfer.received_bytes == sum(len(data) for data in files)
        assert sum(batches) == 41 and transfer.first_instance_seconds is not None
        assert len(archive.instance_uids("1.2.826.0.1.3680043.8.498.1")) == 40
        assert not any((archive.folder / "incoming").iterdir())


def test_a_streamed_file_that_cannot_be_filed_is_recorded_and_the_others_kept(tmp_path):
    with Archive(tmp_path / "archive") as archive:
        transfer = Transfer(archive)
        streamed(transfer, instance_bytes(sop_instance_uid="1.2.6.1", pixels=48))
        streamed(transfer, instance_bytes(sop_instance_uid="1.2.6.2", pixels=48)[:-500])  # cut short
        streamed(transfer, b"not DICOM at all" * 20)
        streamed(transfer, instance_bytes(sop_instance_uid="1.2.6.3", pixels=48))
        transfer.finish_writes()

        assert transfer.received_instances == 2 and len(transfer.store_errors) == 2
        assert "truncated" in transfer.store_errors[0]
        assert archive.has_instance("1.2.6.1") and archive.has_instance("1.2.6.3")
        assert not any((archive.folder / "incoming").iterdir())


def test_files_held_in_memory_by_an_encrypted_cache_free_their_room_once_filed(tmp_path):
    (workstation_home() / "security.json").write_text(
        json.dumps({"encrypt_cache": True, "cache_key_file": str(tmp_path / "cache.key")}), encoding="utf-8")
    with Archive(tmp_path / "archive") as archive:
        transfer = Transfer(archive)
        for number in range(5):
            streamed(transfer, instance_bytes(sop_instance_uid=f"1.2.7.{number}", pixels=48))
        streamed(transfer, b"not DICOM" * 100)  # refused: its room is freed all the same
        transfer.finish_writes()

        assert transfer.received_instances == 5 and len(transfer.store_errors) == 1
        assert transfer._bytes_in_flight == 0  # the receiver would otherwise block once the limit is reached
