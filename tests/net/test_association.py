"""The pynetdicom associations we open send each write at once (no Nagle wait for the peer's delayed ACK)."""

from __future__ import annotations

import socket

from pynetdicom import build_context
from pynetdicom.sop_class import Verification

from workstation.net.association import association


def test_an_association_sends_without_waiting_for_acks(node, local):
    with association(node, local, [build_context(Verification)]) as assoc:
        connection = assoc.dul.socket.socket
        assert connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        assert assoc.send_c_echo().Status == 0x0000
