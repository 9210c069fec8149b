"""Recording a take from the microphone into a dictation, crash-safe.

The PortAudio callback only copies each block into a queue; a writer thread appends the blocks to the take's
journal (fsynced at least twice a second) and keeps the level meter. If the device fails or vanishes the
recording stops with a message and everything recorded until then stays in the dictation.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

import numpy as np

from workstation.reporting.dictation import Dictation, DictationStore
from workstation.reporting.editing import TakeMode
from workstation.reporting.microphone import AudioDeviceError, _sounddevice, input_device_available

log = logging.getLogger(__name__)

STALL_SECONDS = 2.0
STARTUP_SECONDS = 5.0  # some sound servers take about two seconds to deliver the first block


class DictationRecorder:
    """One take at a time into one dictation; ``level`` (0..1 peak) feeds the level meter."""

    def __init__(self, store: DictationStore, dictation_id: str, device: int | str | None = None,
                 block_seconds: float = 0.05) -> None:
        self.store, self.dictation_id, self.device = store, dictation_id, device
        self.sample_rate = store.get(dictation_id).sample_rate
        self.block_frames = max(1, int(block_seconds * self.sample_rate))
        self.level = 0.0
        self.recorded_frames = 0
        self.error: str | None = None
        self._blocks: queue.Queue = queue.Queue()
        self._stream = None
        self._writer: threading.Thread | None = None
        self._stopping = threading.Event()

    @property
    def recording(self) -> bool:
        return self._writer is not None and self._writer.is_alive()

    def start(self, mode: TakeMode = TakeMode.APPEND, position: int = 0) -> None:
        if self.recording:
            return
        sounddevice = _sounddevice()
        if not input_device_available(self.device):
            raise AudioDeviceError("No microphone was found. Connect the dictation microphone (or choose another input "
                                   "device in the settings) and try again; nothing was recorded.")
        self.error, self.level, self.recorded_frames = None, 0.0, 0
        self._stopping.clear()
        journal = self.store.begin_take(self.dictation_id, mode, position)
        try:
            self._stream = sounddevice.InputStream(
                samplerate=self.sample_rate, channels=1, dtype="int16", device=self.device,
                blocksize=self.block_frames, latency="low", callback=self._on_block,
                finished_callback=self._on_finished,
            )
            self._stream.start()
        except (ValueError, sounddevice.PortAudioError) as error:
            journal.close()
            self.store.finish_take(self.dictation_id)
            log.error("dictation %s: cannot open the input device: %s", self.dictation_id, error)
            raise AudioDeviceError(
                f"No microphone could be opened ({error}). Connect the dictation microphone or choose another "
                "input device in the settings; nothing was recorded."
            ) from error
        self._writer = threading.Thread(target=self._write, args=(journal,), name="dictation-writer", daemon=True)
        self._writer.start()
        log.info("dictation %s: recording (%s at %d)", self.dictation_id, mode.value, position)

    def stop(self) -> Dictation:
        """Stop recording and join the take to the dictation; returns the updated dictation."""
        self._stopping.set()
        if self._stream is not None:
            stream, self._stream = self._stream, None
            try:
                stream.stop()
                stream.close()
            except _sounddevice().PortAudioError as error:
                log.warning("dictation %s: closing the input device: %s", self.dictation_id, error)
        if self._writer is not None:
            self._blocks.put(None)
            self._writer.join()
            self._writer = None
        return self.store.finish_take(self.dictation_id)

    # audio thread ------------------------------------------------------------------------------------
    def _on_block(self, indata, frames, time_info, status) -> None:
        self._blocks.put(indata[:, 0].copy())

    def _on_finished(self) -> None:
        if not self._stopping.is_set():
            self._blocks.put(RuntimeError("the input stream ended"))

    # writer thread -----------------------------------------------------------------------------------
    def _write(self, journal) -> None:
        last_block = time.monotonic()
        try:
            while True:
                try:
                    block = self._blocks.get(timeout=0.25)
                except queue.Empty:
                    journal.sync()
                    allowed = STALL_SECONDS if self.recorded_frames else STARTUP_SECONDS
                    if not self._stopping.is_set() and time.monotonic() - last_block > allowed:
                        self._fail("the microphone stopped delivering sound")
                        return
                    continue
                if block is None:
                    return
                if isinstance(block, Exception):
                    self._fail(str(block))
                    return
                journal.append(block)
                self.recorded_frames += len(block)
                self.level = float(np.abs(block.astype(np.int32)).max(initial=0)) / 32768.0
                last_block = time.monotonic()
        finally:
            journal.close()

    def _fail(self, detail: str) -> None:
        seconds = self.recorded_frames / self.sample_rate
        log.error("dictation %s: recording failed after %.1f s: %s", self.dictation_id, seconds, detail)
        self.error = (f"Recording stopped: {detail} (was the microphone unplugged?). The {seconds:.0f} s recorded "
                      "so far are kept; reconnect the microphone and record again to continue.")
