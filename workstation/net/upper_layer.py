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
from collections.abc import Callable, Iterator, Sequence
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
from pynetdicom.presentation import PresentationContext, negotiate_as_acceptor

from workstation.net.association import diagnose, tls_context
from workstation.net.errors import PacsError
from workstation.settings.pacs_nodes import LocalNode, PacsNode

log = logging.getLogger(__name__)

APPLICATION_CONTEXT_NAME = "1.2.840.10008.3.1.1.1"
# PDU types (PS3.8 9.3.1)
A_ASSOCIATE_RQ_TYPE, A_ASSOCIATE_AC_TYPE, A_ASSOCIATE_RJ_TYPE, P_DATA_TF_TYPE = 0x01, 0x02, 0x03, 0x04
A_RELEASE_RQ_TYPE, A_RELEASE_RP_TYPE, A_ABORT_TYPE = 0x05, 0x06, 0x07
_PDU_HEADER = struct.Struct(">BxI")
_PDV_HEADER = struct.Struct(">IBB")
_A_ABORT = bytes([A_ABORT_TYPE, 0, 0, 0, 0, 4, 0, 0, 0, 0])  # source: service user, no reason
# result 2 (rejected-transient), source 3 (service provider, presentation), reason 2 (local limit exceeded)
_A_ASSOCIATE_RJ_BUSY = bytes([A_ASSOCIATE_RJ_TYPE, 0, 0, 0, 0, 4, 0, 2, 3, 2])
_A_RELEASE_RQ = bytes([A_RELEASE_RQ_TYPE, 0, 0, 0, 0, 4, 0, 0, 0, 0])
_A_RELEASE_RP = bytes([A_RELEASE_RP_TYPE, 0, 0, 0, 0, 4, 0, 0, 0, 0])
_RECEIVE_BUFFER = 1 << 20  # a P-DATA PDU at most this long is read into one reused buffer
# Larger announced lengths are refused before anything is allocated: a broken or hostile peer's 4 GB length must not
# take the memory. Real PDUs stay far below (Orthanc sends 128 KiB; we announce 1 MiB; an association request with
# every storage class and syntax is ~40 KB).
LARGEST_PDU = 64 << 20
LARGEST_NEGOTIATION_PDU = 1 << 20


class ConnectionLost(Exception):
    """The peer aborted or closed the connection, or said nothing within the node's timeout."""

    def __init__(self, detail: str, timed_out: bool = False) -> None:
        super().__init__(detail)
        self.timed_out = timed_out


class AssociationReleased(ConnectionLost):
    """The peer released the association: the normal end where it sends, an early end where we asked."""


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

    def __init__(self, connection: socket.socket, peer: str, accepted: dict[int, AcceptedContext],
                 peer_maximum_pdu: int) -> None:
        self.peer = peer  # for the log: the node's address, or the calling AE title
        self.accepted = accepted
        self._connection = connection
        self._send_lock = threading.Lock()
        self._buffer = bytearray(_RECEIVE_BUFFER)
        self._header = bytearray(_PDU_HEADER.size)
        # a PDV's value at most this long (0: the peer sets no limit); 6 bytes of each PDU are the PDV's header
        self._maximum_pdv = (peer_maximum_pdu - 6) if peer_maximum_pdu else 1 << 24
        self.is_open = True
        # asked when the peer is silent for the timeout: True waits once more (e.g. C-MOVE results still arrive)
        self.still_waiting: Callable[[], bool] | None = None

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
        roles = []
        for sop_class in scp_roles:
            role = SCP_SCU_RoleSelectionNegotiation()
            role.sop_class_uid, role.scu_role, role.scp_role = sop_class, False, True
            roles.append(role)
        primitive.user_information = [*_implementation_items(local.maximum_pdu_size), *roles]
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
        return cls(connection, node.address, accepted, accepted_primitive.maximum_length_received or 0)

    @classmethod
    def accept(cls, connection: socket.socket, local: LocalNode, supported: Sequence[PresentationContext],
               timeout: float) -> UpperLayerAssociation:
        """Answer an association request arriving on ``connection`` (the SCP side), accepting the requested
        contexts that ``supported`` allows (pynetdicom's negotiation rules); ConnectionLost when the request
        does not come, or is not one."""
        connection.settimeout(timeout)
        try:
            pdu_type, body = cls._read_whole_pdu(connection)
        except OSError as error:
            raise ConnectionLost(f"no association request: {error}") from error
        if pdu_type != A_ASSOCIATE_RQ_TYPE:
            raise ConnectionLost(f"expected an association request, got PDU type 0x{pdu_type:02X}")
        request = A_ASSOCIATE_RQ()
        request.decode(body)
        asked = request.to_primitive()
        results, roles = negotiate_as_acceptor(asked.presentation_context_definition_list, list(supported),
                                               _requested_roles(asked))
        primitive = A_ASSOCIATE()
        primitive.application_context_name = APPLICATION_CONTEXT_NAME
        primitive.calling_ae_title = asked.calling_ae_title
        primitive.called_ae_title = asked.called_ae_title
        primitive.result = 0x00
        primitive.presentation_context_definition_results_list = results
        primitive.user_information = [*_implementation_items(local.maximum_pdu_size), *roles]
        answer = A_ASSOCIATE_AC()
        answer.from_primitive(primitive)
        try:
            connection.sendall(answer.encode())
        except OSError as error:
            raise ConnectionLost(f"association answer not sent: {error}") from error
        accepted = {result.context_id: AcceptedContext(result.context_id, str(result.abstract_syntax),
                                                       str(result.transfer_syntax[0]))
                    for result in results if result.result == 0x00}
        return cls(connection, str(asked.calling_ae_title), accepted, asked.maximum_length_received or 0)

    @classmethod
    def reject_busy(cls, connection: socket.socket, timeout: float) -> None:
        """Read an association request and answer it with A-ASSOCIATE-RJ: transient, local limit exceeded
        (PS3.8 9.3.4), so the peer tries again later. ConnectionLost when no request comes."""
        connection.settimeout(timeout)
        try:
            pdu_type, _body = cls._read_whole_pdu(connection)
            if pdu_type == A_ASSOCIATE_RQ_TYPE:
                connection.sendall(_A_ASSOCIATE_RJ_BUSY)
        except OSError as error:
            raise ConnectionLost(f"no association request: {error}") from error

    @staticmethod
    def _read_whole_pdu(connection: socket.socket) -> tuple[int, bytes]:
        """One PDU as bytes (header included, as pynetdicom's decoders want it): for the negotiation only."""
        header = _receive_exactly(connection, _PDU_HEADER.size)
        pdu_type, length = _PDU_HEADER.unpack(header)
        if length > LARGEST_NEGOTIATION_PDU:
            raise ConnectionLost(f"an association PDU of {length} bytes (at most {LARGEST_NEGOTIATION_PDU} taken)")
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
                    if length < 2 or position > end:
                        self.abort()
                        raise ConnectionLost(f"malformed P-DATA from {self.peer} (a value of {length} bytes)")
                    yield PresentationDataValue(context_id, bool(control & 0x01), bool(control & 0x02),
                                                body[start:position])
                if position != end:
                    self.abort()
                    raise ConnectionLost(f"malformed P-DATA from {self.peer} ({end - position} bytes after its last value)")
            elif pdu_type == A_RELEASE_RQ_TYPE:
                self._send(_A_RELEASE_RP)
                self.close()
                raise AssociationReleased("the peer released the association")
            else:
                self.close()
                raise ConnectionLost("the peer aborted the association" if pdu_type == A_ABORT_TYPE
                                     else f"unexpected PDU type 0x{pdu_type:02X}")

    def _read_pdu(self) -> tuple[int, memoryview]:
        try:
            _receive_into(self._connection, memoryview(self._header), self.still_waiting)
            pdu_type, length = _PDU_HEADER.unpack(self._header)
            if length > LARGEST_PDU:
                self.abort()
                raise ConnectionLost(f"a PDU of {length} bytes from {self.peer} (at most {LARGEST_PDU} taken)")
            if length > len(self._buffer):
                self._buffer = bytearray(length)
            body = memoryview(self._buffer)[:length]
            _receive_into(self._connection, body, self.still_waiting)
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
            log.info("release of the association to %s: %s", self.peer, error)
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
            log.info("abort of the association to %s: %s", self.peer, error)
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


def _implementation_items(maximum_pdu_size: int) -> list:
    """The user information items every association request and answer carries: maximum length, implementation."""
    maximum_length = MaximumLengthNotification()
    maximum_length.maximum_length_received = maximum_pdu_size
    implementation_uid = ImplementationClassUIDNotification()
    implementation_uid.implementation_class_uid = PYNETDICOM_IMPLEMENTATION_UID
    implementation_version = ImplementationVersionNameNotification()
    implementation_version.implementation_version_name = PYNETDICOM_IMPLEMENTATION_VERSION
    return [maximum_length, implementation_uid, implementation_version]


def _requested_roles(request: A_ASSOCIATE) -> dict:
    """The SCP/SCU roles a requestor proposed, in the form pynetdicom's negotiation takes."""
    return {item.sop_class_uid: (item.scu_role, item.scp_role) for item in request.user_information
            if isinstance(item, SCP_SCU_RoleSelectionNegotiation)}


def _receive_into(connection: socket.socket, target: memoryview, still_waiting: Callable[[], bool] | None = None) -> None:
    """Fill ``target``; on a timeout, go on waiting while ``still_waiting()`` says so."""
    received, wanted = 0, len(target)
    while received < wanted:
        try:
            count = connection.recv_into(target[received:])
        except TimeoutError:
            if still_waiting is not None and still_waiting():
                continue
            raise
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
