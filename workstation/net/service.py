"""Everything network the app runs while open: storage SCP, per-node retrieve queues, the outbox sender.

The GUI makes one ``PacsService`` at start-up and stops it on exit; it calls ``open_study`` when the
radiologist opens a study (current study first, priors prefetched behind it) and ``send`` for objects
it creates. Listeners are called from worker threads: the GUI bridges them to its own thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from workstation.core.errors import WorkstationError
from workstation.net.job_queue import JobListener, Priority, RetrieveJob, RetrieveQueues
from workstation.net.outbox import Outbox, OutboxItem, OutboxSender
from workstation.net.priors import prefetch_priors
from workstation.net.query_results import RemoteStudy
from workstation.net.storage_scp import StorageSCP
from workstation.net.transfer import InstanceArchive
from workstation.settings.pacs_nodes import PacsSettings, load_pacs_settings

log = logging.getLogger(__name__)


class PacsService:
    def __init__(self, archive: InstanceArchive, settings: PacsSettings | None = None,
                 outbox: Outbox | None = None, outbox_interval: float = 30.0) -> None:
        self.archive = archive
        self.settings = settings or load_pacs_settings()
        self.outbox = outbox or Outbox()
        self.storage_scp: StorageSCP | None = None
        self.storage_problem = ""
        self._outbox_interval = outbox_interval
        self._queues: RetrieveQueues | None = None
        self._sender: OutboxSender | None = None

    def start(self) -> "PacsService":
        """Start receiving and sending; a busy storage port only disables C-MOVE (``storage_problem`` says why)."""
        try:
            self.storage_scp = StorageSCP(self.archive, self.settings.local).start()
        except WorkstationError as error:
            self.storage_problem = str(error)
            log.warning("storage SCP not running: %s", error)
        self._queues = RetrieveQueues(self.settings.local, self.archive, self.storage_scp)
        self._sender = OutboxSender(self.outbox, self.settings.node, self.settings.local, self._outbox_interval).start()
        return self

    def stop(self) -> None:
        if self._queues is not None:
            self._queues.stop()
        if self._sender is not None:
            self._sender.stop()
        if self.storage_scp is not None:
            self.storage_scp.stop()
        self._queues = self._sender = self.storage_scp = None

    def __enter__(self) -> "PacsService":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _running_queues(self) -> RetrieveQueues:
        if self._queues is None:
            raise WorkstationError("The PACS connection is not running; restart the workstation.")
        return self._queues

    def retrieve(self, node_name: str, study_instance_uid: str, series_instance_uid: str = "", *,
                 priority: Priority = Priority.CURRENT, listener: JobListener | None = None) -> RetrieveJob:
        node = self.settings.node(node_name)
        return self._running_queues().submit(node, study_instance_uid, series_instance_uid,
                                             priority=priority, listener=listener)

    def open_study(self, node_name: str, study_instance_uid: str, priors: int = 2,
                   listener: JobListener | None = None,
                   visible: Callable[[list[RemoteStudy]], list[RemoteStudy]] | None = None,
                   priority: Priority = Priority.CURRENT) -> RetrieveJob:
        """Fetch the study at ``priority`` (NEXT: a prefetch any study opened now pre-empts); look for its
        priors in the background and queue the ``priors`` best behind it (``visible`` drops priors the reader
        may not see, as in ``priors.find_priors``)."""
        node = self.settings.node(node_name)
        queues = self._running_queues()
        job = queues.submit(node, study_instance_uid, priority=priority, listener=listener)
        if priors > 0:
            def find_and_queue() -> None:
                try:
                    prefetch_priors(queues, node, self.settings.local, study_instance_uid, priors, listener, visible)
                except WorkstationError as error:
                    log.warning("prior search for %s on %s failed: %s", study_instance_uid, node.address, error)

            threading.Thread(target=find_and_queue, name="prior-search", daemon=True).start()
        return job

    def send(self, node_name: str, source: Path | bytes) -> OutboxItem:
        """Queue an object for a node and try to send it at once; it stays queued until the PACS confirms."""
        self.settings.node(node_name)
        item = self.outbox.enqueue(node_name, source)
        if self._sender is not None:
            self._sender.wake()
        return item
