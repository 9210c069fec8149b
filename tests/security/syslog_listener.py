"""A TLS syslog collector on loopback (RFC 5425 octet-counted frames) for tests, with its own certificate."""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
from pathlib import Path


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (also the CA the client trusts)."""
    certificate, key = folder / "collector.pem", folder / "collector.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(certificate)],
                   check=True, capture_output=True, timeout=30)
    return certificate, key


class TlsSyslogListener:
    def __init__(self, certificate: Path, key: Path, port: int = 0) -> None:
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(certificate, key)
        self.server = socket.create_server(("127.0.0.1", port))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.frames: list[bytes] = []
        self.received = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> "TlsSyslogListener":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self.server.close()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[bytes]:
        with self.received:
            self.received.wait_for(lambda: len(self.frames) >= count, timeout)
            return list(self.frames)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                raw, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            raw.settimeout(5)
            try:
                with self.context.wrap_socket(raw, server_side=True) as connection:
                    self._read_frames(connection)
            except (OSError, ssl.SSLError):
                continue

    def _read_frames(self, connection: ssl.SSLSocket) -> None:
        buffer = b""
        while True:
            chunk = connection.recv(65536)
            if not chunk:
                return
            buffer += chunk
            while b" " in buffer:
                length_text, rest = buffer.split(b" ", 1)
                length = int(length_text)
                if len(rest) < length:
                    break
                with self.received:
                    self.frames.append(rest[:length])
                    self.received.notify_all()
                buffer = rest[length:]
