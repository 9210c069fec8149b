"""A DICOM upper layer association (PS3.8) run by the calling thread alone: the bulk receive path.

pynetdicom runs each association through a reactor thread that polls the socket, queues every PDU, and
hands each message on through more queues and its event system; that Python work per message, not the
network, held a C-GET to a quarter of DCMTK's speed. Here the thread that asks reads the PDUs itself,
blocking on the socket (no polling), and hands each presentation data value (PDV) to its caller as a view
of the receive buffer, so a C-STORE's data set goes to disk without being copied or joined. pynetdicom's
PDU classes still encode and decode the association negotiation (once per association).
"""

from __future__ import annotations

import logging
import socket
import struct
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from pynetdicom import PYNETDICOM_IMPLEMENTATION_UID, PYNETDICOM_IMPLEMENTATION_VERSION
from pynetdicom.pdu import A_ASSOCIATE_AC, A_ASSOCIATE_RQ
from pynetdicom.pdu_primitives import (
    A_ASSOCIATE,
    ImplementationClassUIDNotification,
    ImplementationVersionNameNotification,
    MaximumLengthNotification,
    SCP_SCU_RoleSelectionNegotiation,
)
from pynetdicom.presentation import PresentationContext

from workstation.net.association import diagnose, tls_context
from workstation.net.errors import PacsError
from workstation.settings.pacs_nodes import LocalNode, PacsNode

log = logging.getLogger(__name__)

APPLICATION_CONTEXT_NAME = "1.2.840.10008.3.1.1.1"
# PDU types (PS3.8 9.3.1)
A_ASSOCIATE_AC_TYPE, A_ASSOCIATE_RJ_TYPE, P_DATA_TF_TYPE = 0x02, 0x03, 0x04
A_RELEASE_RQ_TYPE, A_RELEASE_RP_TYPE, A_ABORT_TYPE = 0x05, 0x06, 0x07
_PDU_HEADER = struct.Struct(">BxI")
_PDV_HEADER = struct.Struct(">IBB")
_A_ABORT = bytes([A_ABORT_TYPE, 0, 0, 0, 0, 4, 0, 0, 0, 0])  # source: service user, no reason
_A_RELEASE_RQ = bytes([A_RELEASE_RQ_TYPE, 0, 0, 0, 0, 4, 0, 0, 0, 0])
_A_RELEASE_RP = bytes([A_RELEASE_RP_TYPE, 0, 0, 0, 0, 4, 0, 0, 0, 0])
_RECEIVE_BUFFER = 1 << 20  # a P-DATA PDU at most this long is read into one reused buffer


class ConnectionLost(Exception):
    """The peer aborted or closed the connection, or said nothing within the node's timeout."""

    def __init__(self, detail: str, timed_out: bool = False) -> None:
        super().__init__(detail)
        self.timed_out = timed_out


@dataclass(frozen=True)
class AcceptedContext:
    context_id: int
    abstract_syntax: str
    transfer_syntax: str


@dataclass(frozen=True)
class PresentationDataValue:
    """One PDV: ``value`` is a view of the receive buffer, valid only until the next PDV is read."""

    context_id: int
    is_command: bool
    is_last: bool
    value: memoryview


class UpperLayerAssociation:
    """An established association on a blocking socket; not thread-safe except ``abort``."""

    def __init__(self, connection: socket.socket, node: PacsNode, accepted: dict[int, AcceptedContext],
                 peer_maximum_pdu: int) -> None:
        self.node = node
        self.accepted = accepted
        self._connection = connection
        self._send_lock = threading.Lock()
        self._buffer = bytearray(_RECEIVE_BUFFER)
        self._header = bytearray(_PDU_HEADER.size)
        # a PDV's value at most this long (0: the peer sets no limit); 6 bytes of each PDU are the PDV's header
        self._maximum_pdv = (peer_maximum_pdu - 6) if peer_maximum_pdu else 1 << 24
        self.is_open = True

    # -- establishing ----------------------------------------------------------------------------
    @classmethod
    def request(cls, node: PacsNode, local: LocalNode, contexts: Sequence[PresentationContext],
                scp_roles: Sequence[str] = ()) -> UpperLayerAssociation:
        """Connect and negotiate ``contexts`` (context IDs are assigned here); the SCP role is proposed for
        ``scp_roles`` (SOP classes the peer may C-STORE to us). Raises PacsError saying why it failed."""
        try:
            connection = socket.create_connection((node.host, node.port), timeout=node.connect_timeout)
        except OSError as error:
            raise _not_associated(node, error) from error
        try:
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if node.tls:
                connection = tls_context(node).wrap_socket(connection, server_hostname=node.host)
            association = cls._negotiate(connection, node, local, contexts, scp_roles)
        except (OSError, ConnectionLost) as error:  # ssl.SSLError is an OSError
            connection.close()
            raise _not_associated(node, error) from error
        except BaseException:
            connection.close()
            raise
        connection.settimeout(node.network_timeout)
        return association

    @classmethod
    def _negotiate(cls, connection: socket.socket, node: PacsNode, local: LocalNode,
                   contexts: Sequence[PresentationContext], scp_roles: Sequence[str]) -> UpperLayerAssociation:
        requested: dict[int, PresentationContext] = {}
        for number, context in enumerate(contexts):
            context.context_id = 2 * number + 1
            requested[context.context_id] = context
        primitive = A_ASSOCIATE()
        primitive.application_context_name = APPLICATION_CONTEXT_NAME
        primitive.calling_ae_title = local.aet
        primitive.called_ae_title = node.aet
        primitive.presentation_context_definition_list = list(contexts)
        maximum_length = MaximumLengthNotification()
        maximum_length.maximum_length_received = local.maximum_pdu_size
        implementation_uid = ImplementationClassUIDNotification()
        implementation_uid.implementation_class_uid = PYNETDICOM_IMPLEMENTATION_UID
        implementation_version = ImplementationVersionNameNotification()
        implementation_version.implementation_version_name = PYNETDICOM_IMPLEMENTATION_VERSION
        roles = []
        for sop_class in scp_roles:
            role = SCP_SCU_RoleSelectionNegotiation()
            role.sop_class_uid, role.scu_role, role.scp_role = sop_class, False, True
            roles.append(role)
        primitive.user_information = [maximum_length, implementation_uid, implementation_version, *roles]
        pdu = A_ASSOCIATE_RQ()
        pdu.from_primitive(primitive)
        connection.sendall(pdu.encode())
        pdu_type, body = cls._read_whole_pdu(connection)
        if pdu_type != A_ASSOCIATE_AC_TYPE:
            raise ConnectionLost(f"association answered with PDU type 0x{pdu_type:02X}")
        answer = A_ASSOCIATE_AC()
        answer.decode(body)
        accepted_primitive = answer.to_primitive()
        accepted = {
            result.context_id: AcceptedContext(result.context_id, str(requested[result.context_id].abstract_syntax),
                                               str(result.transfer_syntax[0]))
            for result in accepted_primitive.presentation_context_definition_results_list
            if result.result == 0 and result.context_id in requested and result.transfer_syntax
        }
        return cls(connection, node, accepted, accepted_primitive.maximum_length_received or 0)

    @staticmethod
    def _read_whole_pdu(connection: socket.socket) -> tuple[int, bytes]:
        """One PDU as bytes (header included, as pynetdicom's decoders want it): for the negotiation only."""
        header = _receive_exactly(connection, _PDU_HEADER.size)
        pdu_type, length = _PDU_HEADER.unpack(header)
        return pdu_type, bytes(header) + bytes(_receive_exactly(connection, length))

    # -- data transfer ---------------------------------------------------------------------------
    def context_for(self, abstract_syntax: str) -> AcceptedContext | None:
        return next((context for context in self.accepted.values() if context.abstract_syntax == abstract_syntax), None)

    def send_message(self, context_id: int, command: bytes, data_set: bytes | None = None) -> None:
        """Send a DIMSE message: its command set, then its data set, each in PDVs the peer accepts."""
        pdus = [self._p_data(context_id, command, 0x01)]
        if data_set is not None:
            pdus.append(self._p_data(context_id, data_set, 0x00))
        self._send(b"".join(pdus))

    def _p_data(self, context_id: int, value: bytes, control: int) -> bytes:
        """P-DATA-TF PDUs carrying ``value`` (``control``: 1 for a command), split at the peer's maximum."""
        pieces = [value[start:start + self._maximum_pdv] for start in range(0, len(value), self._maximum_pdv)] or [b""]
        encoded = []
        for number, piece in enumerate(pieces):
            last = 0x02 if number == len(pieces) - 1 else 0x00
            item = _PDV_HEADER.pack(len(piece) + 2, context_id, control | last) + piece
            encoded.append(_PDU_HEADER.pack(P_DATA_TF_TYPE, len(item)) + item)
        return b"".join(encoded)

    def _send(self, data: bytes) -> None:
        try:
            with self._send_lock:
                self._connection.sendall(data)
        except TimeoutError as error:
            raise ConnectionLost("send timed out", timed_out=True) from error
        except OSError as error:
            raise ConnectionLost(f"send failed: {error}") from error

    def receive(self) -> Iterator[PresentationDataValue]:
        """The PDVs of the P-DATA PDUs that arrive, in order; ConnectionLost on abort, close or timeout."""
        while True:
            pdu_type, body = self._read_pdu()
            if pdu_type == P_DATA_TF_TYPE:
                position, end = 0, len(body)
                while position + _PDV_HEADER.size <= end:
                    length, context_id, control = _PDV_HEADER.unpack_from(body, position)
                    start = position + _PDV_HEADER.size
                    position = start + length - 2
                    yield PresentationDataValue(context_id, bool(control & 0x01), bool(control & 0x02),
                                                body[start:position])
            elif pdu_type == A_RELEASE_RQ_TYPE:  # the peer ends the association in the middle of our request
                self._send(_A_RELEASE_RP)
                self.close()
                raise ConnectionLost("the peer released the association")
            else:
                self.close()
                raise ConnectionLost("the peer aborted the association" if pdu_type == A_ABORT_TYPE
                                     else f"unexpected PDU type 0x{pdu_type:02X}")

    def _read_pdu(self) -> tuple[int, memoryview]:
        try:
            _receive_into(self._connection, memoryview(self._header))
            pdu_type, length = _PDU_HEADER.unpack(self._header)
            if length > len(self._buffer):
                self._buffer = bytearray(length)
            body = memoryview(self._buffer)[:length]
            _receive_into(self._connection, body)
        except TimeoutError as error:
            raise ConnectionLost("no answer within the timeout", timed_out=True) from error
        except OSError as error:
            raise ConnectionLost(f"connection failed: {error}") from error
        return pdu_type, body

    # -- ending ----------------------------------------------------------------------------------
    def release(self) -> None:
        """Release politely (A-RELEASE); a peer that does not answer in time is left by closing."""
        try:
            self._send(_A_RELEASE_RQ)
            while True:
                pdu_type, _body = self._read_pdu()
                if pdu_type in (A_RELEASE_RP_TYPE, A_ABORT_TYPE):
                    break
        except ConnectionLost as error:
            log.info("release of the association to %s: %s", self.node.address, error)
        finally:
            self.close()

    def abort(self) -> None:
        """Abort (A-ABORT) and close; callable from another thread, to wake a receive in progress."""
        if not self.is_open:
            return
        try:
            with self._send_lock:
                self._connection.settimeout(1.0)
                self._connection.sendall(_A_ABORT)
        except OSError as error:
            log.info("abort of the association to %s: %s", self.node.address, error)
        self.close()

    def close(self) -> None:
        self.is_open = False
        try:
            self._connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed by the peer: nothing to shut down
        self._connection.close()

    def __enter__(self) -> UpperLayerAssociation:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        if exc_type is None:
            self.release()
        else:
            self.abort()


def _receive_into(connection: socket.socket, target: memoryview) -> None:
    received, wanted = 0, len(target)
    while received < wanted:
        count = connection.recv_into(target[received:])
        if count == 0:
            raise ConnectionLost("the peer closed the connection")
        received += count


def _receive_exactly(connection: socket.socket, length: int) -> bytearray:
    data = bytearray(length)
    _receive_into(connection, memoryview(data))
    return data


def _not_associated(node: PacsNode, error: BaseException) -> PacsError:
    message = diagnose(node)
    log.error("association to %s failed (%s): %s", node.address, error, message)
    return PacsError(message)
