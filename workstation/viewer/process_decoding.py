"""Decoding a stack's compressed images in worker processes.

JPEG 2000 and JPEG-LS decoders hold the GIL, so more threads give no gain, while a reading-room PC has
cores to spare: compressed stacks are split across a shared pool of "spawn" processes. Uncompressed
images stay in the calling thread, where reading them is faster than handing them to another process.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np
from pydicom.uid import UID

from workstation.settings.home import HOME_ENVIRONMENT_VARIABLE
from workstation.viewer.image_stack import ImageSource, ImageStack
from workstation.viewer.stack_building import decode_sources
from workstation.volume.assembly import decoding_pool

log = logging.getLogger(__name__)

Decoded = tuple[list[tuple[int, np.ndarray]], list[str]]


def worth_a_process(stack: ImageStack) -> bool:
    """True when any image of the stack is stored compressed (its decoder is the slow, GIL-holding part)."""
    if stack.display_set is None:
        return False
    frames = stack.display_set.phases[stack.phase].frames
    return any(UID(frame.instance.transfer_syntax_uid or "1.2.840.10008.1.2").is_compressed for frame in frames)


def decoding_workers() -> int:
    """One core stays free for the GUI thread; more than 8 processes buy little for one screen's stacks."""
    return max(1, min((os.cpu_count() or 1) - 1, 8))


def decode_sources_in_worker(sources: Sequence[tuple[int, ImageSource]], home: str | None) -> Decoded:
    """``decode_sources`` in a worker process, reading settings (the station key of encrypted cache files)
    from the same WORKSTATION_HOME as the screen that asked, even when the pool was started under another."""
    if home is not None:
        os.environ[HOME_ENVIRONMENT_VARIABLE] = home
    return decode_sources(sources)


def split_evenly(sources: Sequence[tuple[int, ImageSource]], parts: int) -> list[list[tuple[int, ImageSource]]]:
    """Consecutive runs of near-equal length (neighbours often share a multi-frame file's single read)."""
    parts = max(1, min(parts, len(sources)))
    size, extra = divmod(len(sources), parts)
    chunks, start = [], 0
    for part in range(parts):
        end = start + size + (1 if part < extra else 0)
        chunks.append(list(sources[start:end]))
        start = end
    return [chunk for chunk in chunks if chunk]


class StackDecodingPool:
    """The reading screen's worker processes, started on first use (each takes a moment to import the
    decoders) and shared by every stack; ``shutdown`` when the application quits."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or decoding_workers()
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self.rounds = 0  # decode() calls that reached the pool (tests and the benchmark count them)

    def decode(self, sources: Sequence[tuple[int, ImageSource]]) -> Decoded:
        """Decode ``sources`` split across the workers and wait for all of them (call it from a worker thread).

        One bad image is reported and the others still come, as in ``decode_sources``; a worker process that
        dies or a pool shut down meanwhile is reported for its images, and a dead pool is replaced next time.
        """
        executor = self._started()
        home = os.environ.get(HOME_ENVIRONMENT_VARIABLE)
        self.rounds += 1
        try:
            futures = [(chunk, executor.submit(decode_sources_in_worker, chunk, home))
                       for chunk in split_evenly(sources, self.workers)]
        except (RuntimeError, BrokenProcessPool) as error:  # shut down (quitting) or broken before submitting
            self._discard(executor, error)
            return [], [self._lost_message(len(sources), error)]
        decoded: list[tuple[int, np.ndarray]] = []
        problems: list[str] = []
        for chunk, future in futures:
            images, chunk_problems = self._outcome(executor, chunk, future)
            decoded.extend(images)
            problems.extend(chunk_problems)
        for message in problems:  # a worker process has no log of its own
            log.warning("image of a stack not decoded in a worker process: %s", message)
        return decoded, problems

    def shutdown(self) -> None:
        """Stop the workers without waiting for a busy one: queued decodes are cancelled."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
            log.info("decoding processes stopped")

    def _started(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = decoding_pool(self.workers)
                log.info("started %d decoding processes for compressed images", self.workers)
            return self._executor

    def _outcome(self, executor: ProcessPoolExecutor, chunk: list[tuple[int, ImageSource]], future: Future) -> Decoded:
        try:
            return future.result()
        except (BrokenProcessPool, CancelledError) as error:
            log.warning("batch not decoded in a worker process: %s", sorted({source.path for _, source in chunk}))
            self._discard(executor, error)
            return [], [self._lost_message(len(chunk), error)]

    def _discard(self, executor: ProcessPoolExecutor, error: BaseException) -> None:
        log.warning("decoding processes unusable (%s: %s)", type(error).__name__, error)
        with self._lock:
            if self._executor is executor:
                self._executor = None
        executor.shutdown(wait=False, cancel_futures=True)

    @staticmethod
    def _lost_message(count: int, error: BaseException) -> str:
        if isinstance(error, BrokenProcessPool):
            return (f"{count} image(s) not decoded: a decoding process stopped unexpectedly. "
                    "Open the study again; if it recurs, the log names the files.")
        return f"{count} image(s) not decoded: decoding was stopped. Open the study again to see them."
