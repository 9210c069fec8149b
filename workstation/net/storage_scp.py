"""The workstation's storage SCP: receives C-MOVE results (and modality pushes) straight into the archive.

Started with the app on the configured port. Every received instance is written as the encoded bytes
that came over the wire; running C-MOVE transfers that expect it are told, for their progress.
pynetdicom is imported on start, so code that only names this class (the job queues) starts without it.
"""

from __future__ import annotations

import logging
import ssl
import threading
from typing import TYPE_CHECKING

from workstation.core.errors import WorkstationError
from workstation.net.errors import PacsError
from workstation.net.transfer import InstanceArchive, Transfer
from workstation.settings.pacs_nodes import LocalNode

if TYPE_CHECKING:
    from pynetdicom import AE, evt

log = logging.getLogger(__name__)

_STATUS_OUT_OF_RESOURCES = 0xA700


class StorageSCP:
    def __init__(self, archive: InstanceArchive, local: LocalNode, host: str = "") -> None:
        self.archive = archive
        self.local = local
        self.host = host
        self._servers: list = []
        self._transfers: list[Transfer] = []
        self._lock = threading.Lock()
        self.received_unexpected = 0

    def start(self) -> "StorageSCP":
        from pynetdicom import AE, AllStoragePresentationContexts, evt
        from pynetdicom.sop_class import Verification

        from workstation.net.association import poll_faster
        from workstation.net.dimse_retrieve import COMPRESSED, UNCOMPRESSED

        ae = AE(ae_title=self.local.aet)
        ae.maximum_pdu_size = self.local.maximum_pdu_size
        for context in AllStoragePresentationContexts:
            ae.add_supported_context(context.abstract_syntax, UNCOMPRESSED + COMPRESSED)
        ae.add_supported_context(Verification)
        handlers = [(evt.EVT_C_STORE, self._handle_store), (evt.EVT_ESTABLISHED, lambda event: poll_faster(event.assoc))]
        self._servers.append(self._listen(ae, self.local.storage_port, None, handlers))
        if self.local.tls_storage_port:
            try:
                self._servers.append(self._listen(ae, self.local.tls_storage_port, self._tls_context(), handlers))
            except PacsError:
                self.stop()
                raise
        return self

    def _listen(self, ae: AE, port: int, tls: ssl.SSLContext | None, handlers: list) -> object:
        try:
            server = ae.start_server((self.host, port), block=False, ssl_context=tls, evt_handlers=handlers)
        except OSError as error:
            log.error("storage SCP cannot listen on port %d: %s", port, error)
            raise PacsError(
                f"Cannot receive C-MOVE transfers: port {port} is in use or not allowed "
                f"({error.strerror or error}). Choose another storage port in the PACS settings."
            ) from error
        log.info("storage SCP %s listening on port %d%s", self.local.aet, port, " (TLS)" if tls else "")
        return server

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
        servers, self._servers = self._servers, []
        for server in servers:
            server.shutdown()

    def __enter__(self) -> "StorageSCP":
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

    def _handle_store(self, event: evt.Event) -> int:
        data = event.encoded_dataset()
        sop_instance_uid = str(event.request.AffectedSOPInstanceUID)
        originator = event.request.MoveOriginatorApplicationEntityTitle
        move_message_id = event.request.MoveOriginatorMessageID if originator == self.local.aet else None
        with self._lock:
            transfer = next(
                (item for item in self._transfers if item.expects(sop_instance_uid, move_message_id)), None
            )
        if transfer is not None:
            transfer.store_soon(data)  # the transfer's writers store it; its end checks completeness
            return 0x0000
        try:
            self.archive.store_part10(data)
        except WorkstationError as error:
            log.error("storage SCP: storing a received instance failed: %s", error)
            return _STATUS_OUT_OF_RESOURCES
        self.received_unexpected += 1
        return 0x0000
