"""The workstation's storage SCP: receives C-MOVE results (and modality pushes) straight into the archive.

Started with the app on the configured port. It runs on the lean upper layer (``upper_layer``): one thread
per association reads the PDUs and writes each instance of a running C-MOVE into an archive file as its
fragments arrive (``store_receiver``), then tells the transfer that expects it. An instance nobody expects
(a modality's push) is stored whole and on disk before it is answered. It answers C-ECHO too.
pynetdicom is imported on start, so code that only names this class (the job queues) starts without it.
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from workstation.core.errors import WorkstationError
from workstation.net.errors import PacsError
from workstation.net.transfer import InstanceArchive, Transfer
from workstation.settings.pacs_nodes import LocalNode

if TYPE_CHECKING:
    from pynetdicom.presentation import PresentationContext

    from workstation.net.dimse_command import Command
    from workstation.net.next_file import NextFile
    from workstation.net.store_receiver import StoreSink
    from workstation.net.upper_layer import AcceptedContext, UpperLayerAssociation

log = logging.getLogger(__name__)

_STATUS_OUT_OF_RESOURCES = 0xA700
ASSOCIATION_TIMEOUT = 60.0  # seconds a calling peer may stay silent (as pynetdicom's default)
# associations served at once (each a thread and a 1 MiB buffer); more are told to come back later (pynetdicom's
# default was 10: a C-MOVE's sub-operations plus several modalities pushing fit well within this)
MAXIMUM_ASSOCIATIONS = 32
VERIFICATION = "1.2.840.10008.1.1"


class StorageSCP:
    def __init__(self, archive: InstanceArchive, local: LocalNode, host: str = "") -> None:
        self.archive = archive
        self.local = local
        self.host = host
        self._listeners: list[socket.socket] = []
        self._connections: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._transfers: list[Transfer] = []
        self._lock = threading.Lock()
        self._supported: list[PresentationContext] = []
        self.received_unexpected = 0

    def start(self) -> StorageSCP:
        from pynetdicom import AllStoragePresentationContexts, build_context

        from workstation.net.dimse_retrieve import COMPRESSED, UNCOMPRESSED

        self._supported = [build_context(context.abstract_syntax, UNCOMPRESSED + COMPRESSED)
                           for context in AllStoragePresentationContexts] + [build_context(VERIFICATION)]
        self._listen(self.local.storage_port, None)
        if self.local.tls_storage_port:
            try:
                self._listen(self.local.tls_storage_port, self._tls_context())
            except PacsError:
                self.stop()
                raise
        return self

    def _listen(self, port: int, tls: ssl.SSLContext | None) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((self.host, port))
            listener.listen(16)
        except OSError as error:
            listener.close()
            log.error("storage SCP cannot listen on port %d: %s", port, error)
            raise PacsError(
                f"Cannot receive C-MOVE transfers: port {port} is in use or not allowed "
                f"({error.strerror or error}). Choose another storage port in the PACS settings."
            ) from error
        self._listeners.append(listener)
        self._start_thread(self._accept, (listener, tls), f"storage-scp-{port}")
        log.info("storage SCP %s listening on port %d%s", self.local.aet, port, " (TLS)" if tls else "")

    def _start_thread(self, target: Callable[..., None], args: tuple, name: str) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        with self._lock:
            self._threads = [item for item in self._threads if item.is_alive()] + [thread]
        thread.start()

    def _tls_context(self) -> ssl.SSLContext:
        try:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=self.local.tls_ca_certificate or None)
            context.load_cert_chain(self.local.tls_certificate, self.local.tls_private_key)
        except (OSError, ssl.SSLError) as error:
            log.error("storage SCP TLS setup failed: %s", error)
            raise PacsError(f"Cannot start the TLS storage port: {error}. Check this workstation's certificate "
                            "and key in the PACS settings.") from error
        context.verify_mode = ssl.CERT_REQUIRED if self.local.tls_ca_certificate else ssl.CERT_NONE
        return context

    def stop(self) -> None:
        """Stop listening, abort the associations in progress and wait for their threads (briefly)."""
        with self._lock:
            listeners, self._listeners = self._listeners, []
            connections = list(self._connections)
            threads = list(self._threads)
        for connection in listeners + connections:
            _shut(connection)
        for thread in threads:
            thread.join(5.0)

    def __enter__(self) -> StorageSCP:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def subscribe(self, transfer: Transfer) -> None:
        with self._lock:
            self._transfers.append(transfer)

    def unsubscribe(self, transfer: Transfer) -> None:
        with self._lock:
            if transfer in self._transfers:
                self._transfers.remove(transfer)

    # -- associations ----------------------------------------------------------------------------
    def _accept(self, listener: socket.socket, tls: ssl.SSLContext | None) -> None:
        while True:
            try:
                connection, _address = listener.accept()
            except OSError:  # the listener was closed by stop()
                return
            with self._lock:
                if listener not in self._listeners:
                    connection.close()
                    return
                busy = len(self._connections) >= MAXIMUM_ASSOCIATIONS
                self._connections.add(connection)
            if busy:
                log.warning("storage SCP: %d associations already open; one more told to come back later",
                            MAXIMUM_ASSOCIATIONS)
                self._start_thread(self._refuse, (connection, tls), "storage-scp-busy")
            else:
                self._start_thread(self._serve, (connection, tls), "storage-scp-association")

    def _refuse(self, connection: socket.socket, tls: ssl.SSLContext | None) -> None:
        """Answer an association beyond ``MAXIMUM_ASSOCIATIONS`` with a transient rejection (briefly waited for)."""
        from workstation.net.upper_layer import ConnectionLost, UpperLayerAssociation

        try:
            if tls is not None:
                connection.settimeout(5.0)
                connection = self._secure(connection, tls)
            UpperLayerAssociation.reject_busy(connection, 5.0)
        except (ConnectionLost, OSError) as error:
            log.info("storage SCP: a refused association ended early: %s", error)
        finally:
            with self._lock:
                self._connections.discard(connection)
            _shut(connection)

    def _serve(self, connection: socket.socket, tls: ssl.SSLContext | None) -> None:
        from workstation.net.store_receiver import receive
        from workstation.net.upper_layer import (
            AssociationReleased,
            ConnectionLost,
            UpperLayerAssociation,
        )

        association = _Association(self)
        try:
            if tls is not None:
                connection.settimeout(ASSOCIATION_TIMEOUT)
                connection = self._secure(connection, tls)
            assoc = UpperLayerAssociation.accept(connection, self.local, self._supported, ASSOCIATION_TIMEOUT)
            association.assoc = assoc
            receive(assoc, association.open_sink, association.on_command)
        except AssociationReleased:
            pass  # the normal end: the peer sent what it had
        except ConnectionLost as error:
            log.info("storage SCP association ended: %s", error)
        except (OSError, WorkstationError) as error:  # TLS handshake refused, or an instance could not be kept
            log.error("storage SCP association aborted: %s", error)
            if association.assoc is not None:
                association.assoc.abort()
        finally:
            association.close()
            with self._lock:
                self._connections.discard(connection)
            _shut(connection)

    def _secure(self, connection: socket.socket, tls: ssl.SSLContext) -> ssl.SSLSocket:
        """The TLS handshake (OSError when refused); the plain socket gives its descriptor to the TLS one."""
        secure = tls.wrap_socket(connection, server_side=True)
        with self._lock:
            self._connections.discard(connection)
            self._connections.add(secure)
        return secure

    def _transfer_for(self, request: Command) -> Transfer | None:
        originator = request.get("MoveOriginatorApplicationEntityTitle")
        move_message_id = request.get("MoveOriginatorMessageID") if originator == self.local.aet else None
        sop_instance_uid = str(request.get("AffectedSOPInstanceUID", ""))
        with self._lock:
            return next((item for item in self._transfers
                         if item.expects(sop_instance_uid, move_message_id if isinstance(move_message_id, int) else None)),
                        None)

    def _store_pushed(self, data: bytes) -> int:
        try:
            self.archive.store_part10(data)
        except WorkstationError as error:
            log.error("storage SCP: storing a received instance failed: %s", error)
            return _STATUS_OUT_OF_RESOURCES
        with self._lock:
            self.received_unexpected += 1
        return 0x0000


class _Association:
    """One association's state: the next file of the transfer it last served, and the C-ECHO answer."""

    def __init__(self, scp: StorageSCP) -> None:
        self.scp = scp
        self.assoc: UpperLayerAssociation | None = None
        self._files: NextFile | None = None
        self._files_for: Transfer | None = None

    def open_sink(self, request: Command, context: AcceptedContext) -> StoreSink:
        from workstation.net.next_file import NextFile
        from workstation.net.store_receiver import FileSink, request_header

        header = request_header(request, context)
        transfer = self.scp._transfer_for(request)
        if transfer is None:
            return _PushedInstance(header, self.scp._store_pushed)
        if transfer is not self._files_for:
            self.close()
            self._files, self._files_for = NextFile(transfer.receive_file), transfer
        return FileSink(self._files, header, transfer)

    def on_command(self, command: Command, context_id: int) -> None:
        from workstation.net.dimse_command import C_ECHO_RQ, C_ECHO_RSP, response

        if command.get("CommandField") == C_ECHO_RQ and self.assoc is not None:
            self.assoc.send_message(context_id, response(C_ECHO_RSP, VERIFICATION, int(command.get("MessageID", 0)), 0))
        else:
            log.warning("storage SCP: DIMSE command 0x%04X ignored", int(command.get("CommandField", 0)))

    def close(self) -> None:
        if self._files is not None:
            self._files.close()


class _PushedInstance:
    """An instance nobody expects (a modality's push): held whole, stored and on disk before it is answered."""

    def __init__(self, header: bytes, store: Callable[[bytes], int]) -> None:
        self._pieces = [header]
        self._store = store

    def write(self, piece: memoryview) -> None:
        self._pieces.append(bytes(piece))

    def finish(self, piece: memoryview, answer: Callable[[int], None]) -> None:
        self._pieces.append(bytes(piece))
        answer(self._store(b"".join(self._pieces)))

    def discard(self) -> None:
        self._pieces = []


def _shut(connection: socket.socket) -> None:
    """Shut a socket down (waking a thread blocked on it) and close it."""
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # not connected (a listener) or already closed by the peer
    connection.close()
