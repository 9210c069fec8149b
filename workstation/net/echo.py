"""C-ECHO: the "is this PACS there and does it accept us" check behind the settings' Test button."""

from __future__ import annotations

import logging
import time

from pynetdicom import build_context
from pynetdicom.sop_class import Verification

from workstation.net.association import association
from workstation.net.errors import PacsError
from workstation.settings.pacs_nodes import LocalNode, PacsNode

log = logging.getLogger(__name__)


def c_echo(node: PacsNode, local: LocalNode) -> float:
    """Verify the node; returns the round trip in seconds, raises PacsError with the cause otherwise."""
    started = time.perf_counter()
    with association(node, local, [build_context(Verification)]) as assoc:
        status = assoc.send_c_echo()
    if not status or status.Status != 0x0000:
        code = f"0x{status.Status:04X}" if status else "no reply"
        raise PacsError(f"PACS {node.name!r} answered the echo with an error ({code}).")
    elapsed = time.perf_counter() - started
    log.info("C-ECHO %s ok in %.3f s", node.address, elapsed)
    return elapsed
