"""The transcription queue: dictations waiting for their text, urgent first, then oldest first.

A transcriptionist (or a speech recognition engine) takes one, types or produces the text, and marks it
transcribed; the radiologist then finds the text in the report editor.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from workstation.reporting.dictation import Dictation, DictationError, DictationStatus, DictationStore
from workstation.reporting.speech_recognition import SpeechRecognitionError, SpeechRecognizer

log = logging.getLogger(__name__)


class TranscriptionQueue:
    def __init__(self, store: DictationStore | None = None) -> None:
        self.store = store or DictationStore()

    def pending(self) -> list[Dictation]:
        """Dictations to transcribe: urgent first, then in the order they were dictated."""
        waiting = [d for d in self.store.all() if d.status is DictationStatus.PENDING_TRANSCRIPTION]
        return sorted(waiting, key=lambda d: (not d.urgent, d.created_at))

    def save_text(self, dictation_id: str, text: str) -> Dictation:
        """Keep the text typed so far without leaving the queue."""
        return self.store.save(replace(self.store.get(dictation_id), transcript=text))

    def complete(self, dictation_id: str, text: str) -> Dictation:
        dictation = self.store.get(dictation_id)
        if dictation.status is not DictationStatus.PENDING_TRANSCRIPTION:
            raise DictationError(f"Dictation {dictation_id} is {dictation.status.value}, not waiting for transcription.")
        if not text.strip():
            raise DictationError("The transcription is empty; type the text before marking it done.")
        log.info("dictation %s transcribed", dictation_id)
        return self.store.save(replace(dictation, transcript=text, status=DictationStatus.TRANSCRIBED))

    def recognise_pending(self, engine: SpeechRecognizer) -> list[Dictation]:
        """Run the engine over the queue; a dictation it fails on stays for a transcriptionist."""
        done = []
        for dictation in self.pending():
            try:
                text = engine.transcribe(self.store.audio(dictation.dictation_id), dictation.sample_rate)
            except SpeechRecognitionError as error:
                log.warning("dictation %s: %s recognition failed: %s", dictation.dictation_id, engine.name, error)
                self.store.save(replace(dictation, notes={**dictation.notes, "recognition_error": str(error)}))
                continue
            done.append(self.complete(dictation.dictation_id, text))
        return done
