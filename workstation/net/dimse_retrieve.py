"""C-GET and C-MOVE retrieval: send the planned identifiers, watch the responses, keep what arrived.

C-GET receives the instances on the same association (we offer the storage SOP classes in the SCP
role); C-MOVE asks the PACS to send them to our own storage SCP, which stores them in the archive.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterator

from pydicom.dataset import Dataset
from pydicom.uid import (
    DeflatedExplicitVRLittleEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian, JPEG2000, JPEG2000Lossless,
    JPEGBaseline8Bit, JPEGExtended12Bit, JPEGLosslessSV1, JPEGLSLossless, JPEGLSNearLossless, RLELossless,
)
from pynetdicom import build_context, build_role, evt
from pynetdicom.association import Association
from pynetdicom.presentation import PresentationContext
from pynetdicom.sop_class import (
    StudyRootQueryRetrieveInformationModelGet,
    StudyRootQueryRetrieveInformationModelMove,
)

from workstation.net.association import association, lost_association_message
from workstation.net.errors import PacsError, RetrieveCancelled
from workstation.net.transfer import Transfer
from workstation.settings.pacs_nodes import LocalNode, PacsNode

log = logging.getLogger(__name__)

UNCOMPRESSED = [ExplicitVRLittleEndian, ImplicitVRLittleEndian]
# Compressed syntaxes each get a context of their own so the PACS can send what it stores, untranscoded.
COMPRESSED = [JPEGLosslessSV1, JPEG2000Lossless, JPEGLSLossless, RLELossless, JPEGBaseline8Bit,
              JPEGExtended12Bit, JPEG2000, JPEGLSNearLossless, DeflatedExplicitVRLittleEndian]
_PENDING = (0xFF00, 0xFF01)
_move_message_ids = itertools.count()


def storage_contexts(sop_classes: set[str]) -> list[PresentationContext]:
    contexts = []
    for sop_class in sorted(sop_classes):
        contexts.append(build_context(sop_class, UNCOMPRESSED))
        contexts.extend(build_context(sop_class, syntax) for syntax in COMPRESSED)
    return contexts


def store_handler(transfer: Transfer) -> Callable:
    """EVT_C_STORE handler passing the encoded dataset as received (no decode) to the archive writers."""

    def handle_store(event: evt.Event) -> int:
        transfer.store_soon(event.encoded_dataset())
        return 0x0000

    return handle_store


def _responses(
    node: PacsNode, assoc: Association, transfer: Transfer, responses: Iterator[tuple[Dataset, Dataset | None]], what: str
) -> None:
    """Consume one C-GET/C-MOVE's responses; raise with a clear message unless it ended in success."""
    last_message_at = time.monotonic()
    for status, _identifier in responses:
        if not status:
            transfer.finish_writes()  # so the message counts what is really kept
            if transfer.cancelled:
                raise RetrieveCancelled(f"Retrieve from PACS {node.name!r} cancelled; what arrived is kept.")
            raise PacsError(
                lost_association_message(node, assoc, what, max(last_message_at, transfer.last_received_at))
                + f" {transfer.received_instances} instances received are kept; retry to fetch the rest."
            )
        last_message_at = time.monotonic()
        code = status.Status
        if code in _PENDING:
            continue
        failed = int(status.get("NumberOfFailedSuboperations", 0) or 0)
        if code == 0x0000:
            return
        if code == 0xB000:
            log.warning("%s at %s: %d sub-operations failed", what, node.address, failed)
            return
        if code == 0xFE00:
            raise RetrieveCancelled(f"Retrieve from PACS {node.name!r} cancelled; what arrived is kept.")
        if code == 0xA801:
            raise PacsError(
                f"PACS {node.name!r} does not know this workstation as a C-MOVE destination "
                f"(move destination unknown); add it there, or use C-GET or DICOMweb."
            )
        comment = str(status.get("ErrorComment", "") or "")
        log.error("%s at %s ended with status 0x%04X (%d failed) %s", what, node.address, code, failed, comment)
        hint = ""
        if what == "C-MOVE" and transfer.received_instances == 0:
            hint = (f" If the PACS does not know this workstation (AE title {assoc.requestor.ae_title!r}) as a C-MOVE "
                    "destination, add it there, or retrieve by C-GET or DICOMweb.")
        raise PacsError(f"PACS {node.name!r} could not complete the {what} (status 0x{code:04X}"
                        + (f": {comment}" if comment else "") + f").{hint}")


def c_get(node: PacsNode, local: LocalNode, identifiers: list[Dataset], sop_classes: set[str],
          transfer: Transfer) -> None:
    """Retrieve on one association; ``sop_classes`` are the storage classes to offer for the incoming C-STOREs."""
    model = StudyRootQueryRetrieveInformationModelGet
    contexts = [build_context(model), *storage_contexts(sop_classes)]
    roles = [build_role(sop_class, scp_role=True) for sop_class in sop_classes]
    handlers = [(evt.EVT_C_STORE, store_handler(transfer))]
    with association(node, local, contexts, ext_neg=roles, evt_handlers=handlers) as assoc:
        _run(node, assoc, transfer, identifiers, lambda ident, msg_id: assoc.send_c_get(ident, model, msg_id=msg_id), "C-GET")


def c_move(node: PacsNode, local: LocalNode, identifiers: list[Dataset], transfer: Transfer) -> None:
    """Ask the PACS to send the instances to our storage SCP (which must be running and subscribed).

    Each C-MOVE gets a message ID unique in this process; the PACS echoes it as Move Originator Message
    ID in its C-STOREs, which is how the storage SCP knows which transfer an instance belongs to.
    """
    model = StudyRootQueryRetrieveInformationModelMove

    def send(identifier: Dataset, _position: int) -> Iterator:
        message_id = next(_move_message_ids) % 0xFFFF + 1
        transfer.move_message_ids.add(message_id)
        return assoc.send_c_move(identifier, local.aet, model, msg_id=message_id)

    with association(node, local, [build_context(model)]) as assoc:
        _run(node, assoc, transfer, identifiers, send, "C-MOVE")


def _run(node: PacsNode, assoc: Association, transfer: Transfer, identifiers: list[Dataset],
         send: Callable[[Dataset, int], Iterator], what: str) -> None:
    def abort() -> None:
        """Abort, and wake the thread waiting for the next response (pynetdicom only does so on peer aborts)."""
        assoc.abort()
        assoc.dimse.msg_queue.put((None, None))

    transfer.on_cancel(abort)
    try:
        for message_id, identifier in enumerate(identifiers, start=1):
            if transfer.cancelled:
                raise RetrieveCancelled(f"Retrieve from PACS {node.name!r} cancelled; what arrived is kept.")
            _responses(node, assoc, transfer, send(identifier, message_id), what)
    finally:
        transfer.forget_cancel_action(abort)
        transfer.finish_writes()
