"""The lean upper layer and C-STORE receiver, against a scripted peer on the other end of a socket pair.

The peer writes PDUs byte by byte as the standard lays them out (PS3.8 9.3), including the splits a PACS
may choose (a command and a data fragment in one PDU, a data set over several PDUs).
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from pathlib import Path

import numpy as np
import pydicom
import pytest

from workstation.archive import Archive
from workstation.core.stored_file import dcmread_stored
from workstation.net.dimse_command import (
    C_STORE_RQ,
    C_STORE_RSP,
    read_command,
    response,
)
from workstation.net.next_file import NextFile
from workstation.net.store_receiver import (
    SOP_CLASS_NOT_SUPPORTED,
    FileSink,
    receive,
    request_header,
)
from workstation.net.transfer import Transfer
from workstation.net.upper_layer import (
    AcceptedContext,
    AssociationReleased,
    ConnectionLost,
    UpperLayerAssociation,
)

CT_FILE = Path("ct_volume/pancreatic_ct_cbct_seg_philips_ct/dicom/1-001.dcm")


def pdu(pdu_type: int, body: bytes) -> bytes:
    return struct.pack(">BxI", pdu_type, len(body)) + body


def pdv(context_id: int, control: int, value: bytes) -> bytes:
    return struct.pack(">IBB", len(value) + 2, context_id, control) + value


def store_command(sop_class: str, sop_instance: str, message_id: int) -> bytes:
    """A C-STORE-RQ command set (as a PACS sends it), built from the response encoder's parts."""
    encoded = response(C_STORE_RSP, sop_class, message_id, 0, sop_instance)  # same elements but the field and id tag
    fields = read_command(encoded)
    assert fields["CommandField"] == C_STORE_RSP
    return (encoded.replace(struct.pack("<HHIH", 0, 0x0100, 2, C_STORE_RSP), struct.pack("<HHIH", 0, 0x0100, 2, C_STORE_RQ))
            .replace(struct.pack("<HHI", 0, 0x0120, 2), struct.pack("<HHI", 0, 0x0110, 2))
            .replace(struct.pack("<HHI", 0, 0x0800, 2) + b"\x01\x01", struct.pack("<HHI", 0, 0x0800, 2) + b"\x00\x00"))


def send(peer: socket.socket, data: bytes) -> None:
    """Send from a thread of its own (a socket pair holds little; our side reads once the test runs it)."""
    threading.Thread(target=peer.sendall, args=(data,), daemon=True).start()


def read_pdu(connection: socket.socket) -> tuple[int, bytes]:
    header = connection.recv(6, socket.MSG_WAITALL)
    pdu_type, length = struct.unpack(">BxI", header)
    return pdu_type, connection.recv(length, socket.MSG_WAITALL) if length else b""


@pytest.fixture()
def ct_data_set(shared_dicom):
    """The real CT file: its SOP class, instance and transfer syntax, and the encoded data set after the file meta."""
    raw = (shared_dicom / CT_FILE).read_bytes()
    meta_length = struct.unpack_from("<I", raw, 132 + 8)[0]
    header = pydicom.dcmread(shared_dicom / CT_FILE, stop_before_pixels=True)
    return header, raw[132 + 12 + meta_length:], shared_dicom / CT_FILE


@pytest.fixture()
def pair(ct_data_set):
    header = ct_data_set[0]
    ours, peer = socket.socketpair()
    ours.settimeout(5)
    peer.settimeout(5)
    accepted = {1: AcceptedContext(1, str(header.SOPClassUID), str(header.file_meta.TransferSyntaxUID))}
    assoc = UpperLayerAssociation(ours, "scripted peer", accepted, peer_maximum_pdu=16384)
    yield assoc, peer
    assoc.close()
    peer.close()


def test_a_c_store_split_every_way_is_filed_whole_and_answered(pair, ct_data_set, tmp_path):
    assoc, peer = pair
    header, data_set, path = ct_data_set
    command = store_command(str(header.SOPClassUID), str(header.SOPInstanceUID), 77)
    pieces = [data_set[:1000], data_set[1000:300000], data_set[300000:]]
    # the command and the first fragment share one PDU; the last fragment comes with an unrelated PDV after it
    send(peer, pdu(4, pdv(1, 0x03, command) + pdv(1, 0x00, pieces[0])) + pdu(4, pdv(1, 0x00, pieces[1]))
                 + pdu(4, pdv(1, 0x02, pieces[2])) + pdu(5, b"\x00" * 4))
    with Archive(tmp_path / "archive") as archive:
        transfer = Transfer(archive)
        opened = []

        def open_sink(request, context):
            opened.append(request["AffectedSOPInstanceUID"])
            return FileSink(files, request_header(request, context), transfer, answer_first=True)

        with NextFile(transfer.receive_file) as files, pytest.raises(AssociationReleased):
            receive(assoc, open_sink, lambda command, context_id: pytest.fail("no other command was sent"))
        transfer.finish_writes()
        assert not any((archive.folder / "incoming").iterdir())  # the next file, opened ahead, was removed
        assert opened == [header.SOPInstanceUID]
        stored = dcmread_stored(archive.instance_paths(header.SeriesInstanceUID)[0])
        original = pydicom.dcmread(path)
        assert stored.file_meta.TransferSyntaxUID == original.file_meta.TransferSyntaxUID
        assert stored.file_meta.MediaStorageSOPInstanceUID == header.SOPInstanceUID
        assert np.array_equal(stored.pixel_array, original.pixel_array)
        assert transfer.received_instances == 1
    answer_type, answer = read_pdu(peer)
    assert answer_type == 4
    fields = read_command(answer[6:])
    assert (fields["CommandField"], fields["MessageIDBeingRespondedTo"], fields["Status"]) == (C_STORE_RSP, 77, 0)
    assert read_pdu(peer)[0] == 6  # the release was answered


def test_a_c_store_on_a_context_not_accepted_is_refused_and_the_next_one_kept(pair, ct_data_set):
    assoc, peer = pair
    header, data_set, _path = ct_data_set
    command = store_command(str(header.SOPClassUID), "1.2.3.9", 5)
    send(peer, pdu(4, pdv(3, 0x03, command)) + pdu(4, pdv(3, 0x02, data_set))
                 + pdu(4, pdv(1, 0x03, store_command(str(header.SOPClassUID), "1.2.3.10", 6)))
                 + pdu(4, pdv(1, 0x02, b"data")) + pdu(7, b"\x00" * 4))
    kept = []

    class Memory:
        def __init__(self):
            self.pieces = []

        def write(self, piece):
            self.pieces.append(bytes(piece))

        def finish(self, piece, answer):
            self.pieces.append(bytes(piece))
            kept.append(b"".join(self.pieces))
            answer(0)

        def discard(self):
            pytest.fail("nothing was cut off")

    with pytest.raises(ConnectionLost, match="aborted") as raised:
        receive(assoc, lambda request, context: Memory(), lambda command, context_id: None)
    assert not raised.value.timed_out
    assert kept == [b"data"]
    statuses = [read_command(read_pdu(peer)[1][6:]) for _ in range(2)]
    assert [(item["MessageIDBeingRespondedTo"], item["Status"]) for item in statuses] == [(5, SOP_CLASS_NOT_SUPPORTED),
                                                                                          (6, 0)]


def test_an_instance_cut_off_leaves_no_file(pair, ct_data_set, tmp_path):
    assoc, peer = pair
    header, data_set, _path = ct_data_set
    peer.sendall(pdu(4, pdv(1, 0x03, store_command(str(header.SOPClassUID), str(header.SOPInstanceUID), 1)))
                 + pdu(4, pdv(1, 0x00, data_set[:5000])))
    peer.shutdown(socket.SHUT_WR)
    with Archive(tmp_path / "archive") as archive:
        transfer = Transfer(archive)
        with NextFile(transfer.receive_file) as files, pytest.raises(ConnectionLost, match="closed"):
            receive(assoc, lambda request, context: FileSink(files, request_header(request, context), transfer),
                    lambda command, context_id: None)
        transfer.finish_writes()
        assert not any((archive.folder / "incoming").iterdir())
        assert archive.instance_uids(str(header.StudyInstanceUID)) == set()


def test_silence_times_out_unless_the_caller_still_waits(pair):
    assoc, peer = pair
    assoc._connection.settimeout(0.2)
    asked = []

    def still_waiting():
        asked.append(time.monotonic())
        return len(asked) < 3

    assoc.still_waiting = still_waiting
    started = time.monotonic()
    with pytest.raises(ConnectionLost) as raised:
        next(assoc.receive())
    assert raised.value.timed_out and len(asked) == 3
    assert time.monotonic() - started >= 0.55  # waited three timeouts, not one

    asked.clear()
    threading.Timer(0.3, lambda: peer.sendall(pdu(4, pdv(1, 0x03, b"late")))).start()
    assert bytes(next(assoc.receive()).value) == b"late"  # arrived during the second wait


def test_messages_are_split_at_the_peers_maximum_pdu(pair):
    assoc, peer = pair
    data_set = bytes(range(256)) * 200  # 51200 bytes, peer takes PDUs of 16384 at most
    assoc.send_message(1, b"command", data_set)
    received, sizes = b"", []
    while len(received) < len(data_set):
        _pdu_type, body = read_pdu(peer)
        sizes.append(len(body))  # the variable field, which Maximum Length Received bounds (PS3.8 D.1)
        length, _context_id, control = struct.unpack_from(">IBB", body)
        if control & 0x01:
            assert body[6:] == b"command" and control == 0x03
            continue
        received += body[6:6 + length - 2]
        assert bool(control & 0x02) == (len(received) == len(data_set))
    assert received == data_set
    assert max(sizes) <= 16384


def test_a_malformed_p_data_aborts_the_association(pair):
    assoc, peer = pair
    send(peer, pdu(4, struct.pack(">IBB", 1, 1, 0x03)))  # a PDV claiming a 1-byte item: shorter than its own header
    with pytest.raises(ConnectionLost, match="malformed"):
        next(assoc.receive())
    assert read_pdu(peer)[0] == 7  # we sent an A-ABORT


def test_a_pdu_announcing_gigabytes_is_refused_before_anything_is_allocated(pair):
    assoc, peer = pair
    send(peer, struct.pack(">BxI", 4, 0xFFFFFFF0))  # a broken or hostile peer: 4 GB announced, nothing sent
    with pytest.raises(ConnectionLost, match="at most"):
        next(assoc.receive())
    assert read_pdu(peer)[0] == 7  # we sent an A-ABORT
    assert len(assoc._buffer) == 1 << 20  # the receive buffer was not grown for it


def test_bytes_left_after_the_last_value_of_a_p_data_abort_the_association(pair):
    assoc, peer = pair
    send(peer, pdu(4, pdv(1, 0x03, b"command") + b"\x00\x00\x00"))  # 3 bytes: too short for another value
    received = assoc.receive()
    assert bytes(next(received).value) == b"command"
    with pytest.raises(ConnectionLost, match="after its last value"):
        next(received)
    assert read_pdu(peer)[0] == 7


def test_an_association_request_announcing_gigabytes_is_refused(local):
    ours, peer = socket.socketpair()
    try:
        peer.sendall(struct.pack(">BxI", 1, 0x7FFFFFFF))
        with pytest.raises(ConnectionLost, match="association PDU"):
            UpperLayerAssociation.accept(ours, local, [], timeout=5)
    finally:
        ours.close()
        peer.close()
