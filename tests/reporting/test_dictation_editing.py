"""Insert, overwrite and delete produce the expected sample layout, in memory and through the store on disk."""

import numpy as np

from workstation.reporting.dictation import DictationStatus, DictationStore
from workstation.reporting.editing import TakeMode, apply_take, delete_span


def _record(store, dictation_id, samples, mode=TakeMode.APPEND, position=0):
    journal = store.begin_take(dictation_id, mode, position)
    journal.append(np.asarray(samples, dtype=np.int16))
    journal.close()
    return store.finish_take(dictation_id)


def test_apply_take_layouts():
    audio = np.arange(10, dtype=np.int16)
    take = np.array([100, 101, 102], dtype=np.int16)
    assert apply_take(audio, take, TakeMode.INSERT, 4).tolist() == [0, 1, 2, 3, 100, 101, 102, 4, 5, 6, 7, 8, 9]
    assert apply_take(audio, take, TakeMode.OVERWRITE, 4).tolist() == [0, 1, 2, 3, 100, 101, 102, 7, 8, 9]
    assert apply_take(audio, take, TakeMode.OVERWRITE, 9).tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 100, 101, 102]
    assert apply_take(audio, take, TakeMode.APPEND, 2).tolist()[-3:] == [100, 101, 102]
    assert delete_span(audio, 2, 5).tolist() == [0, 1, 5, 6, 7, 8, 9]
    assert delete_span(audio, 5, 2).tolist() == audio.tolist()


def test_store_takes_insert_overwrite_delete():
    store = DictationStore()
    dictation = store.create("ACC1", "dr.house")
    _record(store, dictation.dictation_id, np.arange(1, 9))
    _record(store, dictation.dictation_id, [-1, -2], TakeMode.INSERT, 3)
    assert store.audio(dictation.dictation_id).tolist() == [1, 2, 3, -1, -2, 4, 5, 6, 7, 8]
    _record(store, dictation.dictation_id, [-9, -9, -9], TakeMode.OVERWRITE, 8)
    assert store.audio(dictation.dictation_id).tolist() == [1, 2, 3, -1, -2, 4, 5, 6, -9, -9, -9]
    updated = store.delete_span(dictation.dictation_id, 0, 3)
    assert store.audio(dictation.dictation_id).tolist() == [-1, -2, 4, 5, 6, -9, -9, -9]
    assert updated.frames == 8
    assert updated.status is DictationStatus.PENDING_TRANSCRIPTION
    assert sorted(path.name for path in store.folder.joinpath(dictation.dictation_id).iterdir()) == [
        f"audio-{updated.audio_revision}.wav", "dictation.json"]


def test_cut_off_take_is_recovered_once():
    store = DictationStore()
    dictation = store.create("ACC2", "dr.house")
    _record(store, dictation.dictation_id, [1, 2, 3])
    journal = store.begin_take(dictation.dictation_id, TakeMode.INSERT, 1)
    journal.append(np.array([7, 8], dtype=np.int16))
    journal.close()  # the process died: its lock on the take is gone
    take = store.folder / dictation.dictation_id / "take.pcm"
    with open(take, "ab") as stream:  # a crash in the middle of a sample
        stream.write(b"\x05")
    assert [item.dictation_id for item in store.unfinished()] == [dictation.dictation_id]
    recovered = DictationStore(store.folder).recover()
    assert [item.frames for item in recovered] == [5]
    assert store.audio(dictation.dictation_id).tolist() == [1, 7, 8, 2, 3]
    assert store.unfinished() == [] and DictationStore(store.folder).recover() == []


def test_take_already_joined_before_the_crash_is_not_applied_again():
    store = DictationStore()
    dictation = store.create("ACC3", "dr.house")
    journal = store.begin_take(dictation.dictation_id)
    journal.append(np.array([4, 5, 6], dtype=np.int16))
    journal.close()
    folder = store.folder / dictation.dictation_id
    saved_take = (folder / "take.json").read_bytes(), (folder / "take.pcm").read_bytes()
    store.finish_take(dictation.dictation_id)
    # the crash came after the new revision was recorded but before the take files were removed
    (folder / "take.json").write_bytes(saved_take[0])
    (folder / "take.pcm").write_bytes(saved_take[1])
    store.recover()
    assert store.audio(dictation.dictation_id).tolist() == [4, 5, 6]


def test_export_flac_round_trip(tmp_path):
    import soundfile

    store = DictationStore()
    dictation = store.create("ACC4", "dr.house")
    _record(store, dictation.dictation_id, np.arange(-500, 500, 3))
    target = store.export(dictation.dictation_id, tmp_path / "out.flac")
    samples, rate = soundfile.read(target, dtype="int16")
    assert rate == 16000 and samples.tolist() == list(range(-500, 500, 3))


def test_a_take_still_being_recorded_is_not_recovered():
    store = DictationStore()
    dictation = store.create("ACC5", "dr.house")
    journal = store.begin_take(dictation.dictation_id)
    journal.append(np.array([1, 2], dtype=np.int16))
    journal.sync()
    assert store.unfinished() == [] and store.recover() == []
    journal.close()  # the recorder died without finishing: now it is a cut-off take
    assert [item.frames for item in store.recover()] == [2]
