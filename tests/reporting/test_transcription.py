"""The transcription queue (urgent first), typed transcripts and the pluggable recognition engine."""

import numpy as np
import pytest

from tests.reporting.virtual_microphone import tone
from workstation.reporting.dictation import DictationError, DictationStatus, DictationStore
from workstation.reporting.speech_recognition import SpeechRecognitionError, create_engine, engine_names
from workstation.reporting.transcription import TranscriptionQueue


def _dictated(store, accession, samples, urgent=False):
    dictation = store.create(accession, "dr.queue", urgent=urgent)
    journal = store.begin_take(dictation.dictation_id)
    journal.append(samples)
    journal.close()
    return store.finish_take(dictation.dictation_id)


def test_urgent_first_then_oldest_and_transcribed_leave_the_queue():
    store = DictationStore()
    routine = _dictated(store, "R1", tone(440, 0.2))
    later = _dictated(store, "R2", tone(440, 0.2))
    urgent = _dictated(store, "STAT", tone(440, 0.2), urgent=True)
    queue = TranscriptionQueue(store)
    assert [d.accession_number for d in queue.pending()] == ["STAT", "R1", "R2"]
    queue.save_text(urgent.dictation_id, "Half typed")
    assert store.get(urgent.dictation_id).transcript == "Half typed"
    with pytest.raises(DictationError, match="empty"):
        queue.complete(urgent.dictation_id, " ")
    done = queue.complete(urgent.dictation_id, "No pneumothorax.")
    assert done.status is DictationStatus.TRANSCRIBED and done.transcript == "No pneumothorax."
    assert [d.dictation_id for d in queue.pending()] == [routine.dictation_id, later.dictation_id]
    with pytest.raises(DictationError, match="not waiting"):
        queue.complete(urgent.dictation_id, "again")


def test_test_engine_transcribes_the_queue_and_leaves_failures():
    store = DictationStore()
    two_tones = np.concatenate([tone(440, 1.0), np.zeros(16000, dtype=np.int16), tone(880, 1.0)])
    spoken = _dictated(store, "A1", two_tones)
    empty = store.create("A2", "dr.queue")
    store.finish_take(store.begin_take(empty.dictation_id) and empty.dictation_id)
    assert "test-tones" in engine_names()
    done = TranscriptionQueue(store).recognise_pending(create_engine("test-tones"))
    assert [d.dictation_id for d in done] == [spoken.dictation_id]
    assert store.get(spoken.dictation_id).transcript == "tone 440 Hz. tone 880 Hz."
    left = TranscriptionQueue(store).pending()
    assert [d.dictation_id for d in left] == [empty.dictation_id]
    assert "empty" in left[0].notes["recognition_error"]
    with pytest.raises(SpeechRecognitionError, match="No speech recognition engine named 'whisper'"):
        create_engine("whisper")
