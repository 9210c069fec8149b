"""Retrieve-job reports, heard on worker threads, delivered on the GUI thread through one queued signal.

A fast transfer reports every instance; the bridge coalesces reports so the GUI sees each changed job at
most once per event-loop turn, whatever the rate, and always sees its latest state.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Qt, Signal, Slot

from workstation.net.job_queue import RetrieveJob

log = logging.getLogger(__name__)


class JobBridge(QObject):
    job_changed = Signal(object)  # a RetrieveJob, on the GUI thread
    _wake = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._pending: dict[int, RetrieveJob] = {}
        self._scheduled = False
        self._closed = False
        self._wake.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def listener(self, job: RetrieveJob) -> None:
        """The ``JobListener`` to give PacsService; safe from any thread."""
        with self._lock:
            if self._closed:
                return
            self._pending[id(job)] = job
            if self._scheduled:
                return
            self._scheduled = True
        self._wake.emit()

    def close(self) -> None:
        """Stop delivering (the window is going); later reports from workers are dropped."""
        with self._lock:
            self._closed = True
            self._pending.clear()

    @Slot()
    def _deliver(self) -> None:
        with self._lock:
            jobs = list(self._pending.values())
            self._pending.clear()
            self._scheduled = False
        for job in jobs:
            self.job_changed.emit(job)
