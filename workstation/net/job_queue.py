"""One retrieve queue and worker per PACS node, so a slow PACS never holds up another.

Within a node, jobs run by priority: the study being read (CURRENT) before prefetched priors (PRIOR),
first come first served within a priority. A job can be cancelled while queued or running.
"""

from __future__ import annotations

import enum
import itertools
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from workstation.core.errors import WorkstationError
from workstation.net.errors import RetrieveCancelled
from workstation.net.retrieve import RetrieveReport, retrieve
from workstation.net.storage_scp import StorageSCP
from workstation.net.transfer import InstanceArchive, RetrieveProgress, Transfer
from workstation.settings.pacs_nodes import LocalNode, PacsNode

log = logging.getLogger(__name__)


class Priority(enum.IntEnum):
    CURRENT = 0
    PRIOR = 10


class JobState(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


JobListener = Callable[["RetrieveJob"], None]


@dataclass(eq=False)
class RetrieveJob:
    """A study (or series) to fetch from one node; ``listener`` hears every state and progress change."""

    node: PacsNode
    study_instance_uid: str
    series_instance_uid: str = ""
    priority: Priority = Priority.CURRENT
    listener: JobListener | None = None
    state: JobState = JobState.QUEUED
    error: str = ""
    report: RetrieveReport | None = None
    transfer: Transfer | None = field(default=None, repr=False)
    _finished: threading.Event = field(default_factory=threading.Event, repr=False)
    _cancel_requested: bool = False

    @property
    def progress(self) -> RetrieveProgress | None:
        return self.transfer.snapshot() if self.transfer else None

    def cancel(self) -> None:
        self._cancel_requested = True
        if self.transfer is not None:
            self.transfer.cancel()

    def wait(self, timeout: float | None = None) -> bool:
        """True once the job has finished (done, failed or cancelled)."""
        return self._finished.wait(timeout)

    def _set(self, state: JobState, error: str = "") -> None:
        self.state, self.error = state, error
        if state in (JobState.DONE, JobState.FAILED, JobState.CANCELLED):
            self._finished.set()
        self._notify()

    def _notify(self, _progress: RetrieveProgress | None = None) -> None:
        if self.listener is not None:
            self.listener(self)


class NodeQueue:
    """The worker of one node: takes the most urgent job, runs it, reports, takes the next."""

    def __init__(self, node: PacsNode, local: LocalNode, archive: InstanceArchive,
                 storage_scp: StorageSCP | None = None) -> None:
        self.node, self.local, self.archive, self.storage_scp = node, local, archive, storage_scp
        self._jobs: queue.PriorityQueue = queue.PriorityQueue()
        self._order = itertools.count()
        self._stopping = False
        self._worker = threading.Thread(target=self._run, name=f"retrieve-{node.name}", daemon=True)
        self._worker.start()

    def submit(self, job: RetrieveJob) -> RetrieveJob:
        self._jobs.put((int(job.priority), next(self._order), job))
        job._notify()
        return job

    def stop(self, timeout: float = 10.0) -> None:
        """Cancel what is queued or running and end the worker."""
        self._stopping = True
        while True:
            try:
                _priority, _order, job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                job._set(JobState.CANCELLED, "The workstation is closing.")
        self._jobs.put((-1, -1, None))
        self._worker.join(timeout)

    def _run(self) -> None:
        while True:
            _priority, _order, job = self._jobs.get()
            if job is None or self._stopping:
                return
            if job._cancel_requested:
                job._set(JobState.CANCELLED, "Cancelled before it started.")
                continue
            self._execute(job)

    def _execute(self, job: RetrieveJob) -> None:
        job.transfer = Transfer(self.archive, job._notify)
        if job._cancel_requested:
            job.transfer.cancel()
        job._set(JobState.RUNNING)
        try:
            job.report = retrieve(job.node, self.local, self.archive, job.study_instance_uid,
                                  job.series_instance_uid, transfer=job.transfer, storage_scp=self.storage_scp)
        except RetrieveCancelled as cancelled:
            job._set(JobState.CANCELLED, str(cancelled))
        except WorkstationError as error:
            log.error("retrieve job %s from %s failed: %s", job.study_instance_uid, job.node.address, error)
            job._set(JobState.FAILED, str(error))
        except Exception as error:  # a worker must survive any one job; the job carries the message
            log.exception("retrieve job %s from %s crashed", job.study_instance_uid, job.node.address)
            job._set(JobState.FAILED, f"Retrieve failed unexpectedly ({type(error).__name__}: {error}); see the log.")
        else:
            job._set(JobState.DONE)


class RetrieveQueues:
    """All nodes' queues of one workstation, created on first use of a node."""

    def __init__(self, local: LocalNode, archive: InstanceArchive, storage_scp: StorageSCP | None = None) -> None:
        self.local, self.archive, self.storage_scp = local, archive, storage_scp
        self._queues: dict[str, NodeQueue] = {}
        self._lock = threading.Lock()

    def submit(self, node: PacsNode, study_instance_uid: str, series_instance_uid: str = "", *,
               priority: Priority = Priority.CURRENT, listener: JobListener | None = None) -> RetrieveJob:
        with self._lock:
            node_queue = self._queues.get(node.name)
            if node_queue is None:
                node_queue = self._queues[node.name] = NodeQueue(node, self.local, self.archive, self.storage_scp)
        return node_queue.submit(RetrieveJob(node, study_instance_uid, series_instance_uid, priority, listener))

    def stop(self) -> None:
        with self._lock:
            queues, self._queues = list(self._queues.values()), {}
        for node_queue in queues:
            node_queue.stop()
