"""One retrieve queue and worker per PACS node, so a slow PACS never holds up another.

Within a node, jobs run by priority: the study being read (CURRENT), then the worklist's next exam
(NEXT), then prefetched priors (PRIOR), first come first served within a priority. A job submitted while a
less urgent one runs pre-empts it (the study opened now pre-empts the next exam's prefetch and any prior): the
running job's transfer stops (what arrived is kept), it waits as PAUSED, and once the more urgent jobs are done it
runs again, fetching only what is still missing. A job can be cancelled in any state.
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
from workstation.net.errors import PacsError, RetrieveCancelled
from workstation.net.retrieve import RetrieveReport, retrieve
from workstation.net.storage_scp import StorageSCP
from workstation.net.transfer import InstanceArchive, RetrieveProgress, Transfer
from workstation.settings.pacs_nodes import LocalNode, PacsNode

log = logging.getLogger(__name__)


class Priority(enum.IntEnum):
    CURRENT = 0
    NEXT = 5  # the exam "open next" would pick: prefetched while the reader reads the current one
    PRIOR = 10


class JobState(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"  # pre-empted by a more urgent job; runs again (fetching only what is missing) after it
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
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _cancel_requested: bool = False
    _pause_requested: bool = False
    _order: int = field(default=0, repr=False)

    @property
    def progress(self) -> RetrieveProgress | None:
        return self.transfer.snapshot() if self.transfer else None

    def cancel(self) -> None:
        """Stop the job: a running transfer is cut (what arrived is kept); a queued or paused job ends at once."""
        with self._lock:
            self._cancel_requested = True
            waiting = {JobState.QUEUED: "Cancelled before it started.",
                       JobState.PAUSED: "Cancelled while paused; images already received are kept."}.get(self.state)
            transfer = self.transfer
        if waiting:
            self._set(JobState.CANCELLED, waiting)
        elif transfer is not None:
            transfer.cancel()

    def _start(self, transfer: Transfer) -> bool:
        """Become RUNNING with ``transfer`` unless cancelled meanwhile (False: the worker skips it).
        The caller notifies the listener, outside its own lock."""
        with self._lock:
            if self._cancel_requested or self._finished.is_set():
                return False
            self.transfer, self._pause_requested = transfer, False
            self.state, self.error = JobState.RUNNING, ""
            return True

    def _pause(self) -> None:
        """Ask a running job to give way: its transfer stops, keeping what arrived."""
        with self._lock:
            if self.state is not JobState.RUNNING or self.transfer is None or self._cancel_requested:
                return
            self._pause_requested = True
            transfer = self.transfer
        log.info("pausing retrieve %s from %s for a more urgent study", self.study_instance_uid, self.node.address)
        transfer.cancel()

    def _paused(self) -> bool:
        """After a pause stopped the transfer: wait as PAUSED (False if the user cancelled meanwhile)."""
        progress = self.progress
        received = progress.received_instances if progress else 0
        with self._lock:
            if self._cancel_requested or self._finished.is_set():
                return False
            self.state = JobState.PAUSED
            self.error = f"Paused for a more urgent study after {received} images; it resumes after that one."
        log.info("retrieve %s from %s paused after %d images", self.study_instance_uid, self.node.address, received)
        self._notify()
        return True

    @property
    def pausing(self) -> bool:
        """The transfer was stopped to give way to a more urgent job, not by the user."""
        return self._pause_requested and not self._cancel_requested

    def wait(self, timeout: float | None = None) -> bool:
        """True once the job has finished (done, failed or cancelled)."""
        return self._finished.wait(timeout)

    def _set(self, state: JobState, error: str = "") -> None:
        with self._lock:
            if self._finished.is_set():
                return  # a finished job stays as it ended (a late cancel or pause changes nothing)
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
        self._lock = threading.Lock()
        self._running: RetrieveJob | None = None
        self._worker = threading.Thread(target=self._run, name=f"retrieve-{node.name}", daemon=True)
        self._worker.start()

    def submit(self, job: RetrieveJob) -> RetrieveJob:
        """Queue ``job``; a running job of lower priority is paused so this one starts at once."""
        job._order = next(self._order)
        self._jobs.put((int(job.priority), job._order, job))
        job._notify()
        with self._lock:  # the worker picks a job and checks the queue under this lock: no pause is missed
            running = self._running
        if running is not None and running.priority > job.priority:
            running._pause()
        return job

    def stop(self, timeout: float = 10.0) -> None:
        """Cancel what is queued, paused or running (what arrived is kept) and end the worker."""
        self._stopping = True
        while True:
            try:
                _priority, _order, job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                job._set(JobState.CANCELLED, "The workstation is closing.")
        with self._lock:
            running = self._running
        if running is not None:
            running.cancel()
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

    def _more_urgent_waiting(self, job: RetrieveJob) -> bool:
        with self._jobs.mutex:
            return bool(self._jobs.queue) and self._jobs.queue[0][0] < int(job.priority)

    def _execute(self, job: RetrieveJob) -> None:
        with self._lock:
            if self._more_urgent_waiting(job):  # submitted between taking this job and now
                self._jobs.put((int(job.priority), job._order, job))
                return
            if not job._start(Transfer(self.archive, job._notify)):
                return
            self._running = job
        job._notify()
        try:
            job.report = retrieve(job.node, self.local, self.archive, job.study_instance_uid,
                                  job.series_instance_uid, transfer=job.transfer, storage_scp=self.storage_scp)
        except PacsError as error:
            if job.pausing and not self._stopping and job._paused():
                self._jobs.put((int(job.priority), job._order, job))  # its old place: first among its priority
            elif isinstance(error, RetrieveCancelled):
                job._set(JobState.CANCELLED, str(error))
            elif job._cancel_requested:  # the cut connection is how the cancel showed, not a failure
                job._set(JobState.CANCELLED, "Cancelled; images already received are kept.")
            else:
                log.error("retrieve job %s from %s failed: %s", job.study_instance_uid, job.node.address, error)
                job._set(JobState.FAILED, str(error))
        except WorkstationError as error:
            log.error("retrieve job %s from %s failed: %s", job.study_instance_uid, job.node.address, error)
            job._set(JobState.FAILED, str(error))
        except Exception as error:  # a worker must survive any one job; the job carries the message
            log.exception("retrieve job %s from %s crashed", job.study_instance_uid, job.node.address)
            job._set(JobState.FAILED, f"Retrieve failed unexpectedly ({type(error).__name__}: {error}); see the log.")
        else:
            job._set(JobState.DONE)
        finally:
            with self._lock:
                self._running = None


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
