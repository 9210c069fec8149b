"""Opening a DIMSE association to a PACS node (pynetdicom: queries, echo, store), with TLS when the node asks for it.

C-GET and C-MOVE run on ``upper_layer`` instead, which uses ``tls_context`` and ``diagnose`` from here.

When an association fails, ``diagnose`` finds out why (nothing listening, no answer, certificate not
trusted, association refused) so the user reads a cause and a remedy instead of "association failed".
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import time
from collections.abc import Iterator, Sequence

from pynetdicom import AE, _config
from pynetdicom.association import Association
from pynetdicom.presentation import PresentationContext

from workstation.net.errors import PacsError
from workstation.settings.pacs_nodes import LocalNode, PacsNode

log = logging.getLogger(__name__)

# pynetdicom's own per-PDU debug handlers cost more CPU than the transfer itself; our log says what matters.
_config.LOG_HANDLER_LEVEL = "none"

# pynetdicom's DUL thread sleeps 1 ms whenever it finds nothing to do, several times per message: 0.1 ms
# shortens every query and store round trip (it made C-GET ~40 % faster before C-GET and C-MOVE moved to our
# own upper layer, ``upper_layer``). These associations are short-lived, so the busier polling costs little.
DUL_POLL_SECONDS = 0.0001


def poll_faster(assoc: Association) -> None:
    """Shorten the DUL polling delay of one association (a private pynetdicom attribute, hence guarded)."""
    if hasattr(assoc.dul, "_run_loop_delay"):
        assoc.dul._run_loop_delay = DUL_POLL_SECONDS


def send_at_once(assoc: Association) -> None:
    """Turn off Nagle's algorithm on the association's socket: pynetdicom sends a request's command and data
    set as two writes, and the second waited for the peer's delayed ACK (~45 ms for every C-FIND here)."""
    connection = getattr(assoc.dul.socket, "socket", None)
    if connection is not None:
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def tls_context(node: PacsNode) -> ssl.SSLContext:
    """Client TLS context: trust only the node's CA; present our certificate when one is configured."""
    try:
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=node.ca_certificate)
        if node.client_certificate:
            context.load_cert_chain(node.client_certificate, node.client_key or None)
    except (OSError, ssl.SSLError) as error:
        log.error("TLS setup for %s failed: %s", node.address, error)
        raise PacsError(
            f"Cannot set up TLS for PACS {node.name!r}: {error}. Check the CA and client certificate paths "
            "in the PACS settings."
        ) from error
    return context


def application_entity(local: LocalNode, node: PacsNode) -> AE:
    ae = AE(ae_title=local.aet)
    ae.maximum_pdu_size = local.maximum_pdu_size
    ae.connection_timeout = node.connect_timeout
    ae.acse_timeout = node.connect_timeout
    ae.dimse_timeout = node.network_timeout
    ae.network_timeout = node.network_timeout
    return ae


def diagnose(node: PacsNode) -> str:
    """Why an association to ``node`` could not be made, in the user's words."""
    where = f"PACS {node.name!r} ({node.address})"
    try:
        with socket.create_connection((node.host, node.port), timeout=node.connect_timeout) as raw:
            if node.tls:
                try:
                    with tls_context(node).wrap_socket(raw, server_hostname=node.host):
                        pass
                except ssl.SSLCertVerificationError as error:
                    return (
                        f"The certificate of {where} does not verify ({error.verify_message}); nothing was "
                        "transferred. Check the node's CA certificate in the PACS settings."
                    )
                except (ssl.SSLError, OSError) as error:
                    return f"The TLS handshake with {where} failed ({error}); check that the PACS expects TLS."
    except ConnectionRefusedError:
        return f"{where} is not running or not listening on port {node.port}; start it or check host and port."
    except TimeoutError:
        return f"{where} did not answer within {node.connect_timeout:.0f} s; check the network and the address."
    except OSError as error:
        return f"Cannot reach {where}: {error.strerror or error}; check host and port."
    return (
        f"{where} refused the association or did not answer it; check that its AE title is {node.aet!r} and "
        "that it knows this workstation's AE title."
    )


def associate(
    node: PacsNode,
    local: LocalNode,
    contexts: Sequence[PresentationContext],
    *,
    ext_neg: Sequence[object] = (),
    evt_handlers: Sequence[tuple] = (),
) -> Association:
    ae = application_entity(local, node)
    ae.requested_contexts = list(contexts)
    tls_args = (tls_context(node), node.host) if node.tls else None
    assoc = ae.associate(
        node.host, node.port, ae_title=node.aet, max_pdu=local.maximum_pdu_size,
        ext_neg=list(ext_neg) or None, evt_handlers=list(evt_handlers) or None, tls_args=tls_args,
    )
    if not assoc.is_established:
        message = diagnose(node)
        log.error("association to %s failed: %s", node.address, message)
        raise PacsError(message)
    poll_faster(assoc)
    send_at_once(assoc)
    return assoc


@contextlib.contextmanager
def association(
    node: PacsNode,
    local: LocalNode,
    contexts: Sequence[PresentationContext],
    *,
    ext_neg: Sequence[object] = (),
    evt_handlers: Sequence[tuple] = (),
) -> Iterator[Association]:
    """An established association, released (or aborted after an error) on leaving."""
    assoc = associate(node, local, contexts, ext_neg=ext_neg, evt_handlers=evt_handlers)
    try:
        yield assoc
    except BaseException:
        assoc.abort()
        raise
    else:
        if assoc.is_established:
            assoc.release()


def lost_association_message(node: PacsNode, assoc: Association, what: str, last_message_at: float) -> str:
    """Message for an association that ended in the middle of ``what`` (no response, or connection cut).

    ``last_message_at`` is the ``time.monotonic()`` of the last message received: silence as long as the
    node's timeout means a slow or hung PACS, anything shorter a cut connection.
    """
    timed_out = time.monotonic() - last_message_at >= node.network_timeout * 0.95
    if not timed_out:
        assoc.join(1.0)
    return lost_connection_message(node, what, timed_out)


def lost_connection_message(node: PacsNode, what: str, timed_out: bool) -> str:
    """Message for a connection that ended in the middle of ``what``: timed out (a slow or hung PACS) or cut."""
    if timed_out:
        return f"PACS {node.name!r} stopped answering during {what} (no reply within {node.network_timeout:.0f} s)."
    return f"PACS {node.name!r} aborted or closed the connection during {what}."
