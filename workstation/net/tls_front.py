"""A TLS listener on loopback that forwards each connection to a plain TCP port: HTTPS in front of a server.

The loopback Orthanc cannot serve HTTPS itself here: Debian 12's Orthanc 1.10.1 (libcivetweb1 1.15,
OpenSSL 3) dies with SIGSEGV on the first TLS handshake (civetweb calls a null OpenSSL function pointer).
Orthanc's own documentation recommends an HTTPS server in front of it anyway; this is that front, small
enough for tests and the demo, with optional client-certificate checking.
"""

from __future__ import annotations

import logging
import selectors
import socket
import ssl
import threading
from pathlib import Path

log = logging.getLogger(__name__)

_CHUNK = 1 << 16


class TlsFront:
    """Accepts TLS on ``port`` (0: a free one) and relays to 127.0.0.1:``target_port``, one thread per connection.

    With ``client_ca`` a client must present a certificate signed by it, or the handshake fails.
    """

    def __init__(self, target_port: int, certificate: Path, private_key: Path, client_ca: Path | None = None,
                 port: int = 0) -> None:
        self.target_port = target_port
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(str(certificate), str(private_key))
        if client_ca is not None:
            self.context.verify_mode = ssl.CERT_REQUIRED
            self.context.load_verify_locations(str(client_ca))
        self._listener = socket.create_server(("127.0.0.1", port))
        self.port = self._listener.getsockname()[1]
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept, name=f"tls-front-{self.port}", daemon=True)

    def start(self) -> "TlsFront":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._listener.close()
        self._thread.join(5)

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                raw, _address = self._listener.accept()
            except OSError:
                return  # the listener was closed by stop()
            threading.Thread(target=self._relay, args=(raw,), name="tls-front-relay", daemon=True).start()

    def _relay(self, raw: socket.socket) -> None:
        try:
            with self.context.wrap_socket(raw, server_side=True) as tls, \
                    socket.create_connection(("127.0.0.1", self.target_port), timeout=10) as plain:
                self._pump(tls, plain)
        except (ssl.SSLError, OSError) as error:
            log.debug("TLS front %d: connection ended: %s", self.port, error)
        finally:
            raw.close()

    def _pump(self, tls: ssl.SSLSocket, plain: socket.socket) -> None:
        """Copy both ways on one thread (an SSL socket must not be read and written from two at once)."""
        plain.settimeout(None)
        with selectors.DefaultSelector() as selector:
            selector.register(tls, selectors.EVENT_READ, plain)
            selector.register(plain, selectors.EVENT_READ, tls)
            while not self._stopping.is_set():
                ready = [(tls, plain)] if tls.pending() else [
                    (key.fileobj, key.data) for key, _events in selector.select(timeout=0.5)]
                for source, target in ready:
                    data = source.recv(_CHUNK)
                    if not data:
                        return
                    target.sendall(data)
