"""Dictations on disk: one folder per dictation with its record, its audio and the take being recorded.

Layout under ``WORKSTATION_HOME/dictations/<id>/``: ``dictation.json`` (exam, author, status, audio
revision), ``audio-<revision>.wav`` (the dictation so far) and, while recording, ``take.json`` (where and
how the take joins) plus ``take.pcm`` (its samples, fsynced as they arrive). Finishing a take writes the
next audio revision, then the record that points to it, then removes the take: a crash at any step leaves
either the take to recover or the new revision, never a take applied twice.
"""

from __future__ import annotations

import io
import json
import logging
import time
import uuid
from dataclasses import asdict, dataclass, field, replace
from enum import Enum
from pathlib import Path

import numpy as np
import soundfile

from workstation.core.errors import WorkstationError
from workstation.core.atomic_file import write_atomically, write_json_atomically
from workstation.reporting.audio_journal import AudioJournal, read_journal, take_in_use
from workstation.reporting.editing import TakeMode, apply_take, delete_span
from workstation.settings.home import workstation_home

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000


class DictationStatus(str, Enum):
    RECORDING = "recording"
    PENDING_TRANSCRIPTION = "pending transcription"
    TRANSCRIBED = "transcribed"
    ATTACHED = "attached to a signed report"


class DictationError(WorkstationError):
    """A dictation could not be found, read or changed."""


@dataclass(frozen=True)
class Dictation:
    """One author's dictation for one exam (accession number)."""

    dictation_id: str
    accession_number: str
    author: str
    status: DictationStatus = DictationStatus.RECORDING
    urgent: bool = False
    created_at: float = 0.0
    sample_rate: int = SAMPLE_RATE
    frames: int = 0
    audio_revision: int = 0
    transcript: str = ""
    report_id: str = ""
    notes: dict = field(default_factory=dict)

    @property
    def duration_seconds(self) -> float:
        return self.frames / self.sample_rate

    def to_json(self) -> dict:
        value = asdict(self)
        value["status"] = self.status.value
        return value

    @classmethod
    def from_json(cls, value: dict) -> "Dictation":
        return cls(**{**value, "status": DictationStatus(value["status"])})


@dataclass(frozen=True)
class Take:
    """A recording in progress: joins the audio of ``base_revision`` at ``position`` in ``mode``."""

    mode: TakeMode
    position: int
    base_revision: int


def dictations_folder() -> Path:
    return workstation_home() / "dictations"


class DictationStore:
    """All dictations of this workstation home."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or dictations_folder()
        self.folder.mkdir(parents=True, exist_ok=True)

    # records -----------------------------------------------------------------------------------------
    def create(self, accession_number: str, author: str, urgent: bool = False) -> Dictation:
        if not accession_number.strip():
            raise DictationError("A dictation needs the exam's accession number.")
        dictation = Dictation(
            dictation_id=uuid.uuid4().hex[:12], accession_number=accession_number.strip(), author=author,
            urgent=urgent, created_at=time.time(),
        )
        self._folder(dictation.dictation_id).mkdir(parents=True)
        self.save(dictation)
        log.info("dictation %s created", dictation.dictation_id)
        return dictation

    def save(self, dictation: Dictation) -> Dictation:
        write_json_atomically(self._folder(dictation.dictation_id) / "dictation.json", dictation.to_json())
        return dictation

    def get(self, dictation_id: str) -> Dictation:
        path = self._folder(dictation_id) / "dictation.json"
        try:
            return Dictation.from_json(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise DictationError(
                f"There is no dictation {dictation_id!r}; `workstation dictation list` shows them.") from None
        except (OSError, ValueError, TypeError) as error:
            log.error("dictation record %s unreadable: %s", path, error)
            raise DictationError(f"The record of dictation {dictation_id!r} cannot be read ({error}).") from error

    def all(self) -> list[Dictation]:
        found = []
        for path in sorted(self.folder.glob("*/dictation.json")):
            try:
                found.append(self.get(path.parent.name))
            except DictationError as error:
                log.error("%s", error)
        return sorted(found, key=lambda dictation: dictation.created_at)

    def discard_if_empty(self, dictation_id: str) -> bool:
        """Remove a dictation that never got any audio (e.g. no microphone); True if removed."""
        dictation = self.get(dictation_id)
        folder = self._folder(dictation_id)
        if dictation.frames or (folder / "take.json").exists():
            return False
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
        log.info("empty dictation %s discarded", dictation_id)
        return True

    def set_status(self, dictation_id: str, status: DictationStatus, **changes) -> Dictation:
        return self.save(replace(self.get(dictation_id), status=status, **changes))

    # audio -------------------------------------------------------------------------------------------
    def audio(self, dictation_id: str) -> np.ndarray:
        """The dictated samples (int16), without a take still being recorded."""
        return self._read_revision(self.get(dictation_id))

    def audio_path(self, dictation: Dictation) -> Path:
        return self._folder(dictation.dictation_id) / f"audio-{dictation.audio_revision}.wav"

    def begin_take(self, dictation_id: str, mode: TakeMode = TakeMode.APPEND, position: int = 0) -> AudioJournal:
        """Start recording a take: its journal is on disk before the first sample arrives."""
        dictation = self.get(dictation_id)
        folder = self._folder(dictation_id)
        if (folder / "take.json").exists():
            raise DictationError("This dictation has an unfinished recording; recover it first "
                                 "(`workstation dictation recover`).")
        take = {"mode": mode.value, "position": int(position), "base_revision": dictation.audio_revision}
        (folder / "take.pcm").unlink(missing_ok=True)
        write_json_atomically(folder / "take.json", take)
        self.save(replace(dictation, status=DictationStatus.RECORDING))
        return AudioJournal(folder / "take.pcm")

    def finish_take(self, dictation_id: str) -> Dictation:
        """Join the recorded take to the audio (new revision) and mark the dictation pending transcription."""
        dictation = self.get(dictation_id)
        folder = self._folder(dictation_id)
        take = self._take(folder)
        if take is not None and take.base_revision == dictation.audio_revision:
            samples = read_journal(folder / "take.pcm")
            audio = apply_take(self._read_revision(dictation), samples, take.mode, take.position)
            dictation = self._write_revision(dictation, audio)
            log.info("dictation %s: %s take of %d samples joined", dictation_id, take.mode.value, len(samples))
        (folder / "take.pcm").unlink(missing_ok=True)
        (folder / "take.json").unlink(missing_ok=True)
        if dictation.status is DictationStatus.RECORDING:
            dictation = self.save(replace(dictation, status=DictationStatus.PENDING_TRANSCRIPTION))
        return dictation

    def delete_span(self, dictation_id: str, start: int, end: int) -> Dictation:
        dictation = self.get(dictation_id)
        return self._write_revision(dictation, delete_span(self._read_revision(dictation), start, end))

    def unfinished(self) -> list[Dictation]:
        """Dictations whose recording was cut off (crash, power loss, killed process); not those still recording."""
        found = []
        for dictation in self.all():
            folder = self._folder(dictation.dictation_id)
            if (folder / "take.json").exists() and not take_in_use(folder / "take.pcm"):
                found.append(dictation)
        return found

    def recover(self) -> list[Dictation]:
        """Finish every cut-off take with the samples that reached the disk."""
        recovered = []
        for dictation in self.unfinished():
            recovered.append(self.finish_take(dictation.dictation_id))
            log.info("dictation %s recovered (%.1f s)", dictation.dictation_id, recovered[-1].duration_seconds)
        return recovered

    def export(self, dictation_id: str, target: Path) -> Path:
        """Copy the audio to ``target`` as 16-bit PCM; the format follows its extension (.wav, .flac)."""
        audio = self.audio(dictation_id)
        dictation = self.get(dictation_id)
        try:
            soundfile.write(str(target), audio, dictation.sample_rate)
        except (soundfile.LibsndfileError, TypeError, ValueError, OSError) as error:
            raise DictationError(
                f"Cannot write {target}: {error}. Use a .wav or .flac file name in a writable folder.") from error
        return target

    # internals ---------------------------------------------------------------------------------------
    def _folder(self, dictation_id: str) -> Path:
        if not dictation_id or not dictation_id.isalnum():
            raise DictationError(f"{dictation_id!r} is not a dictation id.")
        return self.folder / dictation_id

    @staticmethod
    def _take(folder: Path) -> Take | None:
        try:
            value = json.loads((folder / "take.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return Take(mode=TakeMode(value["mode"]), position=int(value["position"]),
                    base_revision=int(value["base_revision"]))

    def _read_revision(self, dictation: Dictation) -> np.ndarray:
        if dictation.audio_revision == 0:
            return np.zeros(0, dtype=np.int16)
        try:
            return soundfile.read(str(self.audio_path(dictation)), dtype="int16")[0]
        except (soundfile.LibsndfileError, OSError) as error:
            log.error("dictation %s audio unreadable: %s", dictation.dictation_id, error)
            raise DictationError(f"The audio of dictation {dictation.dictation_id} cannot be read ({error}).") from error

    def _write_revision(self, dictation: Dictation, audio: np.ndarray) -> Dictation:
        """Write the next revision, point the record at it, then drop the old one (in that order)."""
        previous = self.audio_path(dictation)
        updated = replace(dictation, audio_revision=dictation.audio_revision + 1, frames=len(audio))
        target = self.audio_path(updated)
        buffer = _wav_bytes(audio, dictation.sample_rate)
        write_atomically(target, buffer)
        self.save(updated)
        if dictation.audio_revision:
            previous.unlink(missing_ok=True)
        return updated


def _wav_bytes(audio: np.ndarray, sample_rate: int) -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, audio.astype(np.int16), sample_rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()
