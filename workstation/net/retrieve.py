"""Retrieve a study or series into the archive by the node's method; a retry fetches only what is missing.

Steps: list the remote instances (C-FIND image level, or QIDO-RS), subtract what the archive holds,
fetch the rest (middle slice first), then check that every wanted instance is now in the archive.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass

from workstation.net.dicomweb import qido_instances
from workstation.net.dimse_retrieve import c_get, c_move
from workstation.net.errors import PacsError
from workstation.net.find import find_instances
from workstation.net.retrieve_plan import retrieve_identifiers
from workstation.net.storage_scp import StorageSCP
from workstation.net.transfer import InstanceArchive, ProgressCallback, Transfer
from workstation.net.wado import wado_rs
from workstation.settings.pacs_nodes import LocalNode, PacsNode

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetrieveReport:
    study_instance_uid: str
    series_instance_uid: str
    method: str
    total_instances: int
    already_present: int
    received_instances: int
    received_bytes: int
    elapsed_seconds: float
    first_instance_seconds: float | None


@contextlib.contextmanager
def _move_destination(archive: InstanceArchive, local: LocalNode, scp: StorageSCP | None,
                      transfer: Transfer) -> Iterator[None]:
    """Our storage SCP subscribed to ``transfer``; a temporary one when the app's is not running."""
    own = scp is None
    scp = scp or StorageSCP(archive, local).start()
    scp.subscribe(transfer)
    try:
        yield
    finally:
        scp.unsubscribe(transfer)
        if own:
            scp.stop()


def retrieve(
    node: PacsNode,
    local: LocalNode,
    archive: InstanceArchive,
    study_instance_uid: str,
    series_instance_uid: str = "",
    *,
    transfer: Transfer | None = None,
    progress: ProgressCallback | None = None,
    storage_scp: StorageSCP | None = None,
) -> RetrieveReport:
    """Fetch what the archive lacks of the study (or one series); raises PacsError if anything is missing."""
    transfer = transfer or Transfer(archive, progress)
    method = node.retrieve_method
    if method == "web":
        remote = qido_instances(node, study_instance_uid, series_instance_uid)
    else:
        remote = find_instances(node, local, study_instance_uid, series_instance_uid)
    if not remote:
        raise PacsError(f"PACS {node.name!r} has no instances of study {study_instance_uid}"
                        + (f" series {series_instance_uid}" if series_instance_uid else "") + ".")
    present = archive.instance_uids(study_instance_uid, series_instance_uid or None)
    wanted = [instance for instance in remote if instance.sop_instance_uid not in present]
    transfer.expect((instance.sop_instance_uid for instance in wanted), total=len(remote))
    log.info("retrieve %s from %s by %s: %d instances, %d already here",
             study_instance_uid, node.address, method, len(remote), len(remote) - len(wanted))
    if wanted:
        if method == "web":
            wado_rs(node, wanted, transfer)
        elif method == "get":
            c_get(node, local, retrieve_identifiers(remote, wanted), wanted, transfer)
        else:
            with _move_destination(archive, local, storage_scp, transfer):
                c_move(node, local, retrieve_identifiers(remote, wanted), transfer)
    now_present = archive.instance_uids(study_instance_uid, series_instance_uid or None)
    missing = {instance.sop_instance_uid for instance in wanted} - now_present
    if missing:
        detail = f" ({transfer.store_errors[0]})" if transfer.store_errors else ""
        log.error("retrieve %s from %s: %d of %d instances missing%s",
                  study_instance_uid, node.address, len(missing), len(remote), detail)
        raise PacsError(
            f"{len(missing)} of {len(remote)} instances did not arrive from PACS {node.name!r}{detail}; "
            "the others are kept, retry to fetch the rest."
        )
    snapshot = transfer.snapshot()
    return RetrieveReport(
        study_instance_uid=study_instance_uid, series_instance_uid=series_instance_uid, method=method,
        total_instances=len(remote), already_present=len(remote) - len(wanted),
        received_instances=snapshot.received_instances, received_bytes=snapshot.received_bytes,
        elapsed_seconds=snapshot.elapsed_seconds, first_instance_seconds=snapshot.first_instance_seconds,
    )
