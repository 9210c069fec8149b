"""Worklist fixtures: a SQLite store per test, a real PostgreSQL on loopback, a fake RIS over MLLP."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import hl7.client
import hl7.mllp
import pytest

from workstation.net.orthanc_server import free_port
from workstation.worklist.exam import Exam, Priority
from workstation.worklist.store import WorklistStore

POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[WorklistStore]:
    with WorklistStore(tmp_path / "worklist.sqlite") as opened:
        yield opened


def order(accession: str, priority: Priority = Priority.ROUTINE, emergency: bool = False, ordered_at: float = 1000.0,
          patient_id: str = "P1", **extra) -> Exam:
    return Exam(accession, patient_id=patient_id, patient_name="Test^Patient", priority=priority,
                emergency=emergency, ordered_at=ordered_at, modality="CT", **extra)


def mllp_send(port: int, text: str, timeout: float = 10.0) -> str:
    with hl7.client.MLLPClient("127.0.0.1", port) as client:
        client.socket.settimeout(timeout)
        return client.send_message(text).decode("utf-8", errors="replace")


@dataclass
class PostgresServer:
    folder: Path
    port: int
    url: str

    def pg_ctl(self, *arguments: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.folder / "data"),
             *arguments], check=True, capture_output=True, timeout=60,
        )

    def start(self) -> None:
        self.pg_ctl("-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1",
                    "-l", str(self.folder / "log"), "-w", "start")

    def stop(self) -> None:
        self.pg_ctl("-m", "fast", "-w", "stop")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL 15 cluster on 127.0.0.1, run as the postgres user (it refuses root)."""
    assert (POSTGRES_BIN / "initdb").exists(), "PostgreSQL is missing: run scripts/setup.sh as root"
    folder = Path(tempfile.mkdtemp(prefix="workstation-postgres-"))  # pytest's temp root is private to root
    shutil.chown(folder, "postgres", "postgres")
    subprocess.run(["runuser", "-u", "postgres", "--", str(POSTGRES_BIN / "initdb"), "-D", str(folder / "data"),
                    "-A", "trust", "-U", "postgres"], check=True, capture_output=True, timeout=120)
    port = free_port()
    server = PostgresServer(folder, port, f"postgresql://postgres@127.0.0.1:{port}/postgres")
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres: PostgresServer) -> Iterator[str]:
    """The server's URL with empty tables for this test."""
    import psycopg

    with psycopg.connect(postgres.url, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS exams, transitions")
    yield postgres.url


@dataclass
class FakeRis:
    """A RIS on loopback that records every HL7 message and answers with ``answer_code``."""

    port: int = 0
    answer_code: str = "AA"
    received: list[str] = field(default_factory=list)
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None

    def start(self) -> "FakeRis":
        ready = threading.Event()

        async def serve(reader, writer) -> None:
            try:
                while not reader.at_eof():
                    text = (await reader.readblock()).decode()
                    self.received.append(text)
                    control_id = text.split("\r")[0].split("|")[9]
                    writer.writeblock(f"MSH|^~\\&|RIS||WS||20250101||ACK|R{control_id}|P|2.3\rMSA|{self.answer_code}|{control_id}\r".encode())
                    await writer.drain()
            except asyncio.IncompleteReadError:
                pass
            finally:
                writer.close()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            server = self._loop.run_until_complete(hl7.mllp.start_hl7_server(serve, "127.0.0.1", self.port))
            self.port = server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()
            server.close()
            self._loop.run_until_complete(server.wait_closed())
            self._loop.close()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        assert ready.wait(10)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@pytest.fixture
def fake_ris() -> Iterator[FakeRis]:
    ris = FakeRis().start()
    yield ris
    ris.stop()
