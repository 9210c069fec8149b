"""Progressive loading: one image at once, then the headers (the screen opens), then each stack's images.

The first file is read and decoded alone while the other headers are still being read, so a reader sees
an image in well under the time a 300-slice header scan takes; the full stacks replace it. Every batch
runs in a worker of the shared BackgroundTasks bridge and comes back on the GUI thread; the next batch is
queued only then, so opening another study simply stops the old chains (their generation
is stale) and the first image of every stack arrives before the rest of any series is decoded.

A compressed stack's later batches go to the shared decoding processes (JPEG 2000 decoders hold the GIL),
one batch per process at a time, while the worker thread waits for them; its first image still decodes in
the thread, so it never waits for the processes to start.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Signal

from workstation._qt.background import BackgroundTasks
from workstation.viewer.image_stack import ImageStack
from workstation.dicom.model import dicom_files
from workstation.viewer.process_decoding import StackDecodingPool, worth_a_process
from workstation.viewer.stack_building import decode_images, preview_stack, stacks_from_files

log = logging.getLogger(__name__)

BATCH_SIZE = 6
_shared_pool: StackDecodingPool | None = None


def shared_decoding_pool() -> StackDecodingPool:
    """The one pool of decoding processes of this application, stopped when the application quits."""
    global _shared_pool
    if _shared_pool is None:
        _shared_pool = StackDecodingPool()
        application = QCoreApplication.instance()
        if application is not None:
            application.aboutToQuit.connect(_shared_pool.shutdown)
    return _shared_pool


class StackLoader(QObject):
    preview_ready = Signal(object)  # a one-image stack of the first file, decoded
    stacks_ready = Signal(list, list)  # stacks, problems (user messages)
    image_ready = Signal(object, int)  # stack, index
    problem = Signal(str)

    def __init__(self, tasks: BackgroundTasks, parent: QObject | None = None,
                 decoding_pool: StackDecodingPool | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._pool = decoding_pool
        self._generation = 0
        self._headers_done = 0  # the generation whose full stacks were delivered

    def load(self, paths: Iterable[str | Path], description: str = "Reading the image headers") -> None:
        self._generation += 1
        generation = self._generation
        paths = list(paths)
        self._tasks.submit(lambda: dicom_files(paths), lambda files: self._files_listed(generation, files, description),
                           self._failed(generation), "Listing the image files")

    def _files_listed(self, generation: int, files: list[Path], description: str) -> None:
        if generation != self._generation:
            return
        if files:
            self._tasks.submit(lambda: preview_stack(files[0]), lambda stack: self._preview_read(generation, stack),
                               self._failed(generation), "Reading the first image")
        self._tasks.submit(lambda: stacks_from_files(files),
                           lambda result: self._headers_read(generation, *result),
                           self._failed(generation), description)

    def _preview_read(self, generation: int, stack: ImageStack | None) -> None:
        """Dropped when the full stacks came first (a fast header scan): they must not be replaced."""
        if generation == self._generation and stack is not None and self._headers_done != generation:
            self.preview_ready.emit(stack)

    def cancel(self) -> None:
        """Results still in flight are dropped; no further batches are queued."""
        self._generation += 1

    def _failed(self, generation: int):
        def report(message: str) -> None:
            if generation == self._generation:
                self.problem.emit(message)

        return report

    def _headers_read(self, generation: int, stacks: list[ImageStack], problems: list[str]) -> None:
        if generation != self._generation:
            return
        self._headers_done = generation
        self.stacks_ready.emit(stacks, problems)
        for stack in stacks:
            self._decode_next(generation, stack, 0, first=True, in_processes=worth_a_process(stack))

    def _decode_next(self, generation: int, stack: ImageStack, start: int, first: bool = False,
                     in_processes: bool = False) -> None:
        """The first batch of a stack is its first image alone, so it shows as soon as possible; a compressed
        stack's later batches are one per decoding process, decoded at the same time."""
        if start >= len(stack):
            return
        pool = (self._pool or shared_decoding_pool()) if in_processes and not first else None
        count = 1 if first else BATCH_SIZE * (pool.workers if pool is not None else 1)
        indices = list(range(start, min(len(stack), start + count)))
        if pool is not None:  # the worker thread waits for the processes
            work = partial(pool.decode, [(index, stack.sources[index]) for index in indices])
        else:
            work = partial(decode_images, stack, indices)
        self._tasks.submit(work,
                           lambda result: self._decoded(generation, stack, indices[-1] + 1, in_processes, *result),
                           self._failed(generation), f"Decoding {stack.display_name or 'a series'}")

    def _decoded(self, generation: int, stack: ImageStack, next_start: int, in_processes: bool, decoded,
                 problems: list[str]) -> None:
        if generation != self._generation:
            return
        for index, values in decoded:
            try:
                stack.set_pixels(index, values)
            except ValueError as error:
                log.warning("image %d does not fit its stack: %s", index, error)
                self.problem.emit(f"{stack.sources[index].path}: the image size differs from the rest of its series")
                continue
            self.image_ready.emit(stack, index)
        for message in problems:
            self.problem.emit(message)
        self._decode_next(generation, stack, next_start, in_processes=in_processes)
