"""The transfer's hand-off to the archive writers: bounded in bytes, every file stored or its error recorded."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from workstation.core.errors import ArchiveError
from workstation.net import transfer as transfer_module
from workstation.net.transfer import Transfer


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
