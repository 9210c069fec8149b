"""Our storage SCP as other DICOM software meets it: pushes, echoes, negotiation, stopping with a peer connected."""

from __future__ import annotations

import socket
import struct
import time

import pydicom
import pytest
from pydicom.uid import JPEG2000Lossless
from pynetdicom import AE, build_context
from pynetdicom.sop_class import (
    CTImageStorage,
    StudyRootQueryRetrieveInformationModelFind,
)

from workstation.archive import Archive
from workstation.core.stored_file import dcmread_stored, read_stored
from workstation.net.echo import c_echo
from workstation.net.orthanc_server import free_port
from workstation.net import storage_scp
from workstation.net.storage_scp import StorageSCP
from workstation.settings.pacs_nodes import LocalNode, PacsNode


@pytest.fixture()
def scp(tmp_path):
    local = LocalNode(aet="WORKSTATION", storage_port=free_port())
    with Archive(tmp_path / "archive") as archive, StorageSCP(archive, local) as running:
        yield running


def peer_association(scp: StorageSCP, contexts):
    ae = AE(ae_title="MODALITY")
    ae.requested_contexts = contexts
    assoc = ae.associate("127.0.0.1", scp.local.storage_port, ae_title=scp.local.aet)
    assert assoc.is_established
    return assoc


def data_set_bytes(path) -> bytes:
    raw = path.read_bytes()
    return raw[132 + 12 + struct.unpack_from("<I", raw, 140)[0]:]


def test_a_modality_push_is_stored_on_disk_byte_for_byte(scp, ct_files):
    path = ct_files[0]
    header = pydicom.dcmread(path, stop_before_pixels=True)
    syntax = header.file_meta.TransferSyntaxUID
    assoc = peer_association(scp, [build_context(CTImageStorage, [syntax])])
    try:
        status = assoc.send_c_store(path)
    finally:
        assoc.release()
    assert status.Status == 0x0000
    assert scp.received_unexpected == 1
    stored = scp.archive.instance_paths(header.SeriesInstanceUID)
    assert len(stored) == 1
    assert read_stored(stored[0]).endswith(data_set_bytes(path))  # the data set as sent, after our file meta
    assert dcmread_stored(stored[0]).file_meta.TransferSyntaxUID == syntax


def test_echo_answers_and_the_negotiation_follows_the_standard(scp):
    itself = PacsNode(name="self", aet=scp.local.aet, host="127.0.0.1", port=scp.local.storage_port)
    assert c_echo(itself, scp.local) < 5
    assoc = peer_association(scp, [
        build_context(StudyRootQueryRetrieveInformationModelFind),  # not a storage class: rejected
        build_context(CTImageStorage, [JPEG2000Lossless]),  # compressed as stored: kept so, not transcoded
    ])
    try:
        accepted = {str(context.abstract_syntax): str(context.transfer_syntax[0]) for context in assoc.accepted_contexts}
        rejected = [str(context.abstract_syntax) for context in assoc.rejected_contexts]
    finally:
        assoc.release()
    assert accepted == {CTImageStorage: JPEG2000Lossless}
    assert rejected == [StudyRootQueryRetrieveInformationModelFind]


def test_stopping_with_a_peer_connected_ends_its_association_and_frees_the_port(tmp_path):
    local = LocalNode(aet="WORKSTATION", storage_port=free_port())
    with Archive(tmp_path / "archive") as archive:
        scp = StorageSCP(archive, local).start()
        assoc = peer_association(scp, [build_context(CTImageStorage)])
        started = time.monotonic()
        scp.stop()
        assert time.monotonic() - started < 3
        assoc.join(5)  # the peer sees its association end (aborted)
        assert not assoc.is_established
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(("", local.storage_port))  # raises if the SCP still held the port


def test_associations_beyond_the_limit_are_told_to_come_back_later(scp, monkeypatch):
    monkeypatch.setattr(storage_scp, "MAXIMUM_ASSOCIATIONS", 2)
    held = [peer_association(scp, [build_context(CTImageStorage)]) for _ in range(2)]
    try:
        ae = AE(ae_title="MODALITY")
        ae.add_requested_context(CTImageStorage)
        refused = ae.associate("127.0.0.1", scp.local.storage_port, ae_title=scp.local.aet)
        assert refused.is_rejected
        assert refused.acceptor.primitive.result == 0x02  # transient: the modality tries again later
        assert refused.acceptor.primitive.diagnostic == 0x02  # local limit exceeded
    finally:
        held[0].release()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # the released association's slot comes free
        again = peer_association_or_none(scp)
        if again is not None:
            again.release()
            break
        time.sleep(0.05)
    else:
        pytest.fail("no association accepted after one was released")
    held[1].release()


def peer_association_or_none(scp: StorageSCP):
    ae = AE(ae_title="MODALITY")
    ae.add_requested_context(CTImageStorage)
    assoc = ae.associate("127.0.0.1", scp.local.storage_port, ae_title=scp.local.aet)
    return assoc if assoc.is_established else None
