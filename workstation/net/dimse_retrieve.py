"""C-GET and C-MOVE retrieval: send the planned identifiers, watch the responses, keep what arrived.

C-GET receives the instances on the same association (we offer the storage SOP classes in the SCP
role), on the lean upper layer (``upper_layer``, ``get_receiver``) that writes each instance to an archive
file as it arrives; C-MOVE asks the PACS to send them to our own storage SCP, which stores them in the archive.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Iterator

from pydicom.dataset import Dataset
from pydicom.uid import (
    JPEG2000,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGExtended12Bit,
    JPEGLosslessSV1,
    JPEGLSLossless,
    JPEGLSNearLossless,
    RLELossless,
)
from pynetdicom import build_context
from pynetdicom.association import Association
from pynetdicom.dsutils import encode
from pynetdicom.presentation import PresentationContext
from pynetdicom.sop_class import (
    StudyRootQueryRetrieveInformationModelGet,
    StudyRootQueryRetrieveInformationModelMove,
)

from workstation.net.association import (
    association,
    lost_association_message,
    lost_connection_message,
)
from workstation.net.dimse_command import c_get_request
from workstation.net.errors import PacsError, RetrieveCancelled
from workstation.net.files_ahead import FilesAhead
from workstation.net.get_receiver import PENDING, receive_until_final
from workstation.net.transfer import Transfer
from workstation.net.upper_layer import ConnectionLost, UpperLayerAssociation
from workstation.settings.pacs_nodes import LocalNode, PacsNode

log = logging.getLogger(__name__)

UNCOMPRESSED = [ExplicitVRLittleEndian, ImplicitVRLittleEndian]
# Compressed syntaxes each get a context of their own so the PACS can send what it stores, untranscoded.
COMPRESSED = [JPEGLosslessSV1, JPEG2000Lossless, JPEGLSLossless, RLELossless, JPEGBaseline8Bit,
              JPEGExtended12Bit, JPEG2000, JPEGLSNearLossless, DeflatedExplicitVRLittleEndian]
_move_message_ids = itertools.count()


def storage_contexts(sop_classes: set[str]) -> list[PresentationContext]:
    contexts = []
    for sop_class in sorted(sop_classes):
        contexts.append(build_context(sop_class, UNCOMPRESSED))
        contexts.extend(build_context(sop_class, syntax) for syntax in COMPRESSED)
    return contexts


def final_status(node: PacsNode, transfer: Transfer, what: str, requestor_aet: str, code: int, failed: int,
                 comment: str) -> None:
    """Judge a C-GET/C-MOVE's final status: return on success (or warning), raise with a clear message otherwise."""
    if code == 0x0000:
        return
    if code == 0xB000:
        log.warning("%s at %s: %d sub-operations failed", what, node.address, failed)
        return
    if code == 0xFE00:
        raise _cancelled(node)
    if code == 0xA801:
        raise PacsError(
            f"PACS {node.name!r} does not know this workstation as a C-MOVE destination "
            f"(move destination unknown); add it there, or use C-GET or DICOMweb."
        )
    log.error("%s at %s ended with status 0x%04X (%d failed) %s", what, node.address, code, failed, comment)
    hint = ""
    if what == "C-MOVE" and transfer.received_instances == 0:
        hint = (f" If the PACS does not know this workstation (AE title {requestor_aet!r}) as a C-MOVE "
                "destination, add it there, or retrieve by C-GET or DICOMweb.")
    raise PacsError(f"PACS {node.name!r} could not complete the {what} (status 0x{code:04X}"
                    + (f": {comment}" if comment else "") + f").{hint}")


def _cancelled(node: PacsNode) -> RetrieveCancelled:
    return RetrieveCancelled(f"Retrieve from PACS {node.name!r} cancelled; what arrived is kept.")


def _kept(transfer: Transfer) -> str:
    transfer.finish_writes()  # so the message counts what is really kept
    return f" {transfer.received_instances} instances received are kept; retry to fetch the rest."


def c_get(node: PacsNode, local: LocalNode, identifiers: list[Dataset], sop_classes: set[str],
          transfer: Transfer) -> None:
    """Retrieve on one association; ``sop_classes`` are the storage classes to offer for the incoming C-STOREs."""
    model = str(StudyRootQueryRetrieveInformationModelGet)
    contexts = [build_context(model, [ImplicitVRLittleEndian, ExplicitVRLittleEndian]), *storage_contexts(sop_classes)]
    with UpperLayerAssociation.request(node, local, contexts, scp_roles=sorted(sop_classes)) as assoc:
        query = assoc.context_for(model)
        if query is None:
            raise PacsError(f"PACS {node.name!r} does not offer C-GET (study root); retrieve by C-MOVE or DICOMweb.")
        implicit = query.transfer_syntax == ImplicitVRLittleEndian
        transfer.on_cancel(assoc.abort)
        try:
            with FilesAhead(transfer.receive_file) as files:
                for message_id, identifier in enumerate(identifiers, start=1):
                    if transfer.cancelled:
                        raise _cancelled(node)
                    assoc.send_message(query.context_id, c_get_request(model, message_id),
                                       encode(identifier, implicit, True))
                    response = receive_until_final(assoc, transfer, files.take)
                    final_status(node, transfer, "C-GET", local.aet, int(response.get("Status", 0xC000)),
                                 int(response.get("NumberOfFailedSuboperations", 0)),
                                 str(response.get("ErrorComment", "")))
        except ConnectionLost as error:
            if transfer.cancelled:
                raise _cancelled(node) from error
            log.error("C-GET from %s: %s", node.address, error)
            raise PacsError(lost_connection_message(node, "C-GET", error.timed_out) + _kept(transfer)) from error
        finally:
            transfer.forget_cancel_action(assoc.abort)
            transfer.finish_writes()


def c_move(node: PacsNode, local: LocalNode, identifiers: list[Dataset], transfer: Transfer) -> None:
    """Ask the PACS to send the instances to our storage SCP (which must be running and subscribed).

    Each C-MOVE gets a message ID unique in this process; the PACS echoes it as Move Originator Message
    ID in its C-STOREs, which is how the storage SCP knows which transfer an instance belongs to.
    """
    model = StudyRootQueryRetrieveInformationModelMove
    with association(node, local, [build_context(model)]) as assoc:
        def abort() -> None:
            """Abort, and wake the thread waiting for the next response (pynetdicom only does so on peer aborts)."""
            assoc.abort()
            assoc.dimse.msg_queue.put((None, None))

        transfer.on_cancel(abort)
        try:
            for identifier in identifiers:
                if transfer.cancelled:
                    raise _cancelled(node)
                message_id = next(_move_message_ids) % 0xFFFF + 1
                transfer.move_message_ids.add(message_id)
                _move_responses(node, assoc, transfer, assoc.send_c_move(identifier, local.aet, model, msg_id=message_id))
        finally:
            transfer.forget_cancel_action(abort)
            transfer.finish_writes()


def _move_responses(node: PacsNode, assoc: Association, transfer: Transfer,
                    responses: Iterator[tuple[Dataset, Dataset | None]]) -> None:
    """Consume one C-MOVE's responses; raise with a clear message unless it ended in success."""
    last_message_at = time.monotonic()
    for status, _identifier in responses:
        if not status:
            transfer.finish_writes()
            if transfer.cancelled:
                raise _cancelled(node)
            raise PacsError(lost_association_message(node, assoc, "C-MOVE", max(last_message_at, transfer.last_received_at))
                            + _kept(transfer))
        last_message_at = time.monotonic()
        if status.Status in PENDING:
            continue
        final_status(node, transfer, "C-MOVE", assoc.requestor.ae_title, status.Status,
                     int(status.get("NumberOfFailedSuboperations", 0) or 0), str(status.get("ErrorComment", "") or ""))
        return
