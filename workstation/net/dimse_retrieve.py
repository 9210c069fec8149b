"""C-GET and C-MOVE retrieval: send the planned identifiers, watch the responses, keep what arrived.

C-GET receives the instances on the same association (we offer the storage SOP classes in the SCP
role), on the lean upper layer (``upper_layer``, ``store_receiver``) that writes each instance to an archive
file as it arrives; C-MOVE asks the PACS to send them to our own storage SCP, which stores them in the archive.
"""

from __future__ import annotations

import itertools
import logging
import time

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
from pynetdicom.dsutils import encode
from pynetdicom.presentation import PresentationContext
from pynetdicom.sop_class import (
    BasicTextSRStorage,
    BreastTomosynthesisImageStorage,
    ComprehensiveSRStorage,
    ComputedRadiographyImageStorage,
    CTImageStorage,
    DigitalMammographyXRayImageStorageForPresentation,
    DigitalMammographyXRayImageStorageForProcessing,
    DigitalXRayImageStorageForPresentation,
    DigitalXRayImageStorageForProcessing,
    EncapsulatedPDFStorage,
    EnhancedCTImageStorage,
    EnhancedMRImageStorage,
    EnhancedSRStorage,
    GrayscaleSoftcopyPresentationStateStorage,
    KeyObjectSelectionDocumentStorage,
    MRImageStorage,
    MultiFrameGrayscaleWordSecondaryCaptureImageStorage,
    NuclearMedicineImageStorage,
    PositronEmissionTomographyImageStorage,
    SecondaryCaptureImageStorage,
    StudyRootQueryRetrieveInformationModelGet,
    StudyRootQueryRetrieveInformationModelMove,
    UltrasoundImageStorage,
    UltrasoundMultiFrameImageStorage,
    XRayAngiographicImageStorage,
    XRayRadiationDoseSRStorage,
    XRayRadiofluoroscopicImageStorage,
)

from workstation.net.association import lost_connection_message
from workstation.net.dimse_command import (
    C_GET_RQ,
    C_GET_RSP,
    C_MOVE_RQ,
    C_MOVE_RSP,
    Command,
    retrieve_request,
)
from workstation.net.errors import PacsError, RetrieveCancelled
from workstation.net.next_file import NextFile
from workstation.net.store_receiver import FileSink, OpenSink, receive, request_header
from workstation.net.transfer import Transfer
from workstation.net.upper_layer import (
    AcceptedContext,
    ConnectionLost,
    UpperLayerAssociation,
)
from workstation.settings.pacs_nodes import LocalNode, PacsNode

log = logging.getLogger(__name__)

UNCOMPRESSED = [ExplicitVRLittleEndian, ImplicitVRLittleEndian]
# Compressed syntaxes each get a context of their own so the PACS can send what it stores, untranscoded.
COMPRESSED = [JPEGLosslessSV1, JPEG2000Lossless, JPEGLSLossless, RLELossless, JPEGBaseline8Bit,
              JPEGExtended12Bit, JPEG2000, JPEGLSNearLossless, DeflatedExplicitVRLittleEndian]
# Offered by C-GET when the PACS does not say which storage classes it will send: SOP Class UID is an
# optional return key (DCMTK's dcmqrscp never returns it), and without a context for a class the PACS
# cannot send its instances. The classes a reading workstation meets (as DCMTK's getscu offers a list).
LIKELY_STORAGE_CLASSES = (
    CTImageStorage, EnhancedCTImageStorage, MRImageStorage, EnhancedMRImageStorage, ComputedRadiographyImageStorage,
    DigitalXRayImageStorageForPresentation, DigitalXRayImageStorageForProcessing,
    DigitalMammographyXRayImageStorageForPresentation, DigitalMammographyXRayImageStorageForProcessing,
    BreastTomosynthesisImageStorage, UltrasoundImageStorage, UltrasoundMultiFrameImageStorage,
    SecondaryCaptureImageStorage, MultiFrameGrayscaleWordSecondaryCaptureImageStorage, XRayAngiographicImageStorage,
    XRayRadiofluoroscopicImageStorage, NuclearMedicineImageStorage, PositronEmissionTomographyImageStorage,
    GrayscaleSoftcopyPresentationStateStorage, KeyObjectSelectionDocumentStorage, BasicTextSRStorage,
    EnhancedSRStorage, ComprehensiveSRStorage, XRayRadiationDoseSRStorage, EncapsulatedPDFStorage,
)
LOSSLESS = [JPEGLosslessSV1, JPEG2000Lossless, JPEGLSLossless, RLELossless]
MAXIMUM_STORAGE_CONTEXTS = 127  # an association proposes at most 128 contexts (odd IDs 1-255); one is the C-GET's
PENDING = (0xFF00, 0xFF01)
_message_ids = itertools.count()  # unique in the process: the storage SCP tells C-MOVEs apart by them


def storage_contexts(sop_classes: set[str]) -> list[PresentationContext]:
    """Per class, the uncompressed syntaxes in one context and each compressed one alone (the PACS sends what it
    stores); where that would pass the contexts one association may propose, only the lossless compressed
    syntaxes, else none (the PACS then decompresses for us)."""
    for compressed in (COMPRESSED, LOSSLESS, []):
        if len(sop_classes) * (1 + len(compressed)) <= MAXIMUM_STORAGE_CONTEXTS:
            break
    else:
        log.error("C-GET would need a presentation context for each of %d SOP classes", len(sop_classes))
        raise PacsError(f"The study holds {len(sop_classes)} kinds of objects (SOP classes), more than one C-GET "
                        "can ask for; retrieve it by C-MOVE or DICOMweb.")
    contexts = []
    for sop_class in sorted(sop_classes):
        contexts.append(build_context(sop_class, UNCOMPRESSED))
        contexts.extend(build_context(sop_class, syntax) for syntax in compressed)
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
    """Retrieve on one association; ``sop_classes`` are the storage classes to offer for the incoming C-STOREs
    (empty, or holding "" for instances whose class the PACS did not say: the likely ones are offered too)."""
    model = str(StudyRootQueryRetrieveInformationModelGet)
    if not sop_classes or "" in sop_classes:
        log.info("C-GET from %s: the PACS did not list every SOP class; offering %d likely ones too",
                 node.address, len(LIKELY_STORAGE_CLASSES))
        sop_classes = (sop_classes - {""}) | {str(sop_class) for sop_class in LIKELY_STORAGE_CLASSES}
    storage = storage_contexts(sop_classes)
    with NextFile(transfer.receive_file) as files:
        def open_sink(request: Command, context: AcceptedContext) -> FileSink:
            return FileSink(files, request_header(request, context), transfer, answer_first=True)

        _retrieve(node, local, identifiers, transfer, "C-GET", model, storage, sorted(sop_classes), open_sink)


def c_move(node: PacsNode, local: LocalNode, identifiers: list[Dataset], transfer: Transfer) -> None:
    """Ask the PACS to send the instances to our storage SCP (which must be running and subscribed).

    Each C-MOVE gets a message ID unique in this process; the PACS echoes it as Move Originator Message
    ID in its C-STOREs, which is how the storage SCP knows which transfer an instance belongs to.
    """
    _retrieve(node, local, identifiers, transfer, "C-MOVE", str(StudyRootQueryRetrieveInformationModelMove), [], [],
              _refuse_store)


def _refuse_store(_request: Command, _context: AcceptedContext) -> None:
    return None


def _retrieve(node: PacsNode, local: LocalNode, identifiers: list[Dataset], transfer: Transfer, what: str, model: str,
              storage: list[PresentationContext], scp_roles: list[str], open_sink: OpenSink) -> None:
    """Send one C-GET or C-MOVE request per identifier on one association, each to its final response."""
    contexts = [build_context(model, [ImplicitVRLittleEndian, ExplicitVRLittleEndian]), *storage]
    move = what == "C-MOVE"
    with UpperLayerAssociation.request(node, local, contexts, scp_roles=scp_roles) as assoc:
        query = assoc.context_for(model)
        if query is None:
            raise PacsError(f"PACS {node.name!r} does not offer {what} (study root); retrieve by "
                            + ("C-GET or DICOMweb." if move else "C-MOVE or DICOMweb."))
        if move:  # the instances come on another association: silence here is fine while they keep coming
            assoc.still_waiting = lambda: time.monotonic() - transfer.last_received_at < node.network_timeout
        implicit = query.transfer_syntax == ImplicitVRLittleEndian
        final_response = C_MOVE_RSP if move else C_GET_RSP

        def on_command(command: Command, _context_id: int) -> Command | None:
            if command.get("CommandField") != final_response:
                log.warning("unexpected DIMSE command 0x%04X during %s ignored", int(command.get("CommandField", 0)), what)
                return None
            return None if command.get("Status") in PENDING else command

        transfer.on_cancel(assoc.abort)
        try:
            for identifier in identifiers:
                if transfer.cancelled:
                    raise _cancelled(node)
                message_id = next(_message_ids) % 0xFFFF + 1
                if move:
                    transfer.move_message_ids.add(message_id)
                request = retrieve_request(C_MOVE_RQ if move else C_GET_RQ, model, message_id, local.aet if move else "")
                assoc.send_message(query.context_id, request, encode(identifier, implicit, True))
                final = receive(assoc, open_sink, on_command)
                final_status(node, transfer, what, local.aet, int(final.get("Status", 0xC000)),
                             int(final.get("NumberOfFailedSuboperations", 0)), str(final.get("ErrorComment", "")))
        except ConnectionLost as error:
            if transfer.cancelled:
                raise _cancelled(node) from error
            log.error("%s from %s: %s", what, node.address, error)
            raise PacsError(lost_connection_message(node, what, error.timed_out) + _kept(transfer)) from error
        finally:
            transfer.forget_cancel_action(assoc.abort)
            transfer.finish_writes()
