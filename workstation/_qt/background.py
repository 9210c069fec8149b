"""The one bridge between worker threads and the GUI thread: run a function in a thread pool and get its
result (or its failure as a user message) back on the GUI thread through a queued signal."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

from workstation.core.errors import WorkstationError

log = logging.getLogger(__name__)


class _TaskSignals(QObject):
    finished = Signal(int, object)
    failed = Signal(int, str)


class _Task(QRunnable):
    def __init__(self, token: int, function: Callable[[], Any], signals: _TaskSignals, description: str) -> None:
        super().__init__()
        self._token = token
        self._function = function
        self._signals = signals
        self._description = description

    def run(self) -> None:
        try:
            result = self._function()
        except WorkstationError as error:
            log.warning("%s failed: %s", self._description, error)
            self._signals.failed.emit(self._token, str(error))
        except Exception as error:  # the worker boundary: a failure must reach the user, not vanish with the thread
            log.exception("%s failed unexpectedly", self._description)
            self._signals.failed.emit(
                self._token, f"{self._description} failed ({type(error).__name__}: {error}); details are in the log."
            )
        else:
            self._signals.finished.emit(self._token, result)


class BackgroundTasks(QObject):
    """Runs functions off the GUI thread; ``done``/``failed`` callbacks always run on the GUI thread."""

    def __init__(self, parent: QObject | None = None, max_threads: int = 2) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._signals = _TaskSignals(self)
        self._signals.finished.connect(self._deliver_result, Qt.ConnectionType.QueuedConnection)
        self._signals.failed.connect(self._deliver_failure, Qt.ConnectionType.QueuedConnection)
        self._callbacks: dict[int, tuple[Callable[[Any], None], Callable[[str], None]]] = {}
        self._tokens = itertools.count(1)

    def submit(
        self,
        function: Callable[[], Any],
        done: Callable[[Any], None],
        failed: Callable[[str], None],
        description: str,
    ) -> None:
        """Run ``function()`` in a worker; ``description`` names the job in messages ("Loading the studies")."""
        token = next(self._tokens)
        self._callbacks[token] = (done, failed)
        self._pool.start(_Task(token, function, self._signals, description))

    def wait_until_idle(self, timeout_ms: int = 10_000) -> bool:
        """Block until running jobs end (window closing); results still queued are dropped."""
        finished = self._pool.waitForDone(timeout_ms)
        self._callbacks.clear()
        return finished

    @Slot(int, object)
    def _deliver_result(self, token: int, result: object) -> None:
        callbacks = self._callbacks.pop(token, None)
        if callbacks is not None:
            callbacks[0](result)

    @Slot(int, str)
    def _deliver_failure(self, token: int, message: str) -> None:
        callbacks = self._callbacks.pop(token, None)
        if callbacks is not None:
            callbacks[1](message)
