"""Compressed stacks decoded in worker processes give exactly the pixels of the in-thread path, report a
broken file while the others still come, and read this station's encrypted cache files in the worker."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.uid import JPEG2000Lossless

from workstation.core.chunked_cipher import encrypt
from workstation.core.station_key import station_key
from workstation.viewer.image_stack import ImageSource
from workstation.viewer.process_decoding import StackDecodingPool, decoding_workers, split_evenly, worth_a_process
from workstation.viewer.stack_building import decode_images, decode_sources, stacks_from_files

CT_FOLDER = "ct_volume/pancreatic_ct_cbct_seg_philips_ct/dicom"
TRIO_FOLDER = "transfer_syntaxes/dcm_qa_ts_siemens_trio/In"
COMPRESSED_SAMPLES = ("JLSL_08_07_0_1F.dcm", "JLSL_16_15_1_1F.dcm", "JLSL_RGB_ILV1.dcm", "RG1_J2KI.dcm",
                      "HTJ2KLossless_08_RGB.dcm", "liver_j2k.dcm")


@pytest.fixture(scope="module")
def pool():
    """Two worker processes, started once for the module (a spawn start takes about a second)."""
    decoding = StackDecodingPool(workers=2)
    yield decoding
    decoding.shutdown()


def j2k_copy(shared_dicom: Path, target: Path, count: int) -> list[Path]:
    """The first ``count`` slices of the real CT, compressed to JPEG 2000 lossless as a PACS stores them."""
    target.mkdir(parents=True, exist_ok=True)
    copies = []
    for path in sorted((shared_dicom / CT_FOLDER).glob("*.dcm"))[:count]:
        dataset = pydicom.dcmread(path)
        dataset.compress(JPEG2000Lossless)
        dataset.save_as(target / path.name, enforce_file_format=True)
        copies.append(target / path.name)
    return copies


def assert_same(first, second) -> None:
    (first_images, first_problems), (second_images, second_problems) = first, second
    assert first_problems == second_problems
    assert [index for index, _ in first_images] == [index for index, _ in second_images]
    for (_, a), (_, b) in zip(first_images, second_images):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert np.array_equal(a, b)


def test_real_compressed_files_decode_in_processes_to_the_in_thread_values(pool, shared_dicom):
    paths = sorted((shared_dicom / TRIO_FOLDER).glob("*.dcm"))
    paths += [shared_dicom / "mixed" / "pydicom-data" / name for name in COMPRESSED_SAMPLES]
    sources = [(index, ImageSource(str(path))) for index, path in enumerate(paths)]
    sources.append((len(sources), ImageSource(str(paths[-1]), frame_index=2)))  # a later frame of a multi-frame
    in_thread = decode_sources(sources)
    assert len(in_thread[0]) == len(sources) and in_thread[1] == []
    assert_same(pool.decode(sources), in_thread)


def test_a_j2k_copy_of_the_ct_decodes_in_processes_to_the_original_hu(pool, shared_dicom, tmp_path):
    j2k_copy(shared_dicom, tmp_path / "j2k", 8)
    (stack,), problems = stacks_from_files([tmp_path / "j2k"])
    (original,), _ = stacks_from_files(sorted((shared_dicom / CT_FOLDER).glob("*.dcm"))[:8])
    assert problems == []
    assert worth_a_process(stack) and not worth_a_process(original)
    indices = list(range(len(stack)))
    rounds = pool.rounds
    in_processes = pool.decode([(index, stack.sources[index]) for index in indices])
    assert pool.rounds == rounds + 1
    assert_same(in_processes, decode_images(stack, indices))
    assert_same(in_processes, decode_images(original, indices))  # lossless: the HU of the uncompressed CT
    assert in_processes[0][0][1].dtype == np.int16


def test_a_broken_compressed_file_is_reported_and_the_others_still_come(pool, shared_dicom, tmp_path):
    copies = j2k_copy(shared_dicom, tmp_path, 5)
    data = copies[2].read_bytes()
    copies[2].write_bytes(data[: len(data) - 20_000])  # cut inside the JPEG 2000 code stream
    sources = [(index, ImageSource(str(path))) for index, path in enumerate(copies)]
    decoded, problems = pool.decode(sources)
    assert [index for index, _ in decoded] == [0, 1, 3, 4]
    assert len(problems) == 1 and copies[2].name in problems[0]
    assert_same((decoded, problems), decode_sources(sources))


def test_encrypted_cache_files_decode_in_a_worker_started_under_another_home(
        pool, shared_dicom, tmp_path, workstation_home, monkeypatch):
    pool.decode([(0, ImageSource(str(shared_dicom / "mixed" / "pydicom-data" / COMPRESSED_SAMPLES[0])))])
    station = tmp_path / "station"  # the workers already run; this station's settings come only now
    station.mkdir()
    monkeypatch.setenv("WORKSTATION_HOME", str(station))
    (station / "security.json").write_text(json.dumps({"encrypt_cache": True,
                                                       "cache_key_file": str(tmp_path / "key" / "cache.key")}))
    key = station_key(create=True)
    plain = j2k_copy(shared_dicom, tmp_path / "plain", 3)
    stored = []
    for path in plain:
        target = tmp_path / "cache" / path.name
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(encrypt(path.read_bytes(), key))
        stored.append(target)
    sources = [(index, ImageSource(str(path))) for index, path in enumerate(stored)]
    decoded = pool.decode(sources)
    assert decoded[1] == []
    assert_same(decoded, decode_sources([(index, ImageSource(str(path))) for index, path in enumerate(plain)]))

    monkeypatch.setenv("WORKSTATION_HOME", str(workstation_home))  # a station without that key
    decoded, problems = pool.decode(sources)
    assert decoded == [] and len(problems) == 3 and stored[0].name in problems[0]


def test_uncompressed_and_built_stacks_stay_in_the_thread(shared_dicom):
    (stack,), _ = stacks_from_files([shared_dicom / TRIO_FOLDER / "1.dcm"])
    assert not pydicom.uid.UID(stack.display_set.phases[0].frames[0].instance.transfer_syntax_uid).is_compressed
    assert not worth_a_process(stack)
    stack.display_set = None  # a stack built from a volume has no files to decode
    assert not worth_a_process(stack)


def test_batches_split_into_consecutive_near_equal_runs():
    sources = [(index, ImageSource(f"{index}.dcm")) for index in range(11)]
    chunks = split_evenly(sources, 4)
    assert [len(chunk) for chunk in chunks] == [3, 3, 3, 2]
    assert [item for chunk in chunks for item in chunk] == sources
    assert split_evenly(sources[:2], 8) == [[sources[0]], [sources[1]]]
    assert 1 <= decoding_workers() <= 8


def test_shutdown_with_a_busy_worker_returns_at_once_and_the_waiting_batch_is_told(shared_dicom):
    decoding = StackDecodingPool(workers=1)
    big = shared_dicom / "mixed" / "pydicom-data" / "RG1_J2KI.dcm"
    outcome = {}
    waiting = threading.Thread(target=lambda: outcome.update(
        result=decoding.decode([(index, ImageSource(str(big))) for index in range(12)])))
    decoding.decode([(0, ImageSource(str(big)))])  # started
    waiting.start()
    time.sleep(0.2)
    start = time.perf_counter()
    decoding.shutdown()
    assert time.perf_counter() - start < 1.0
    waiting.join(timeout=30)
    assert not waiting.is_alive()
    decoded, problems = outcome["result"]
    assert len(decoded) == 12 or (problems and "decoding was stopped" in problems[0])


def test_a_killed_worker_is_reported_for_its_images_and_the_next_batch_gets_a_new_pool(shared_dicom):
    image = ImageSource(str(shared_dicom / "mixed" / "pydicom-data" / COMPRESSED_SAMPLES[0]))
    before = set(multiprocessing.active_children())
    decoding = StackDecodingPool(workers=1)
    try:
        assert len(decoding.decode([(0, image)])[0]) == 1
        for worker in set(multiprocessing.active_children()) - before:
            os.kill(worker.pid, signal.SIGKILL)
            worker.join(timeout=10)
        decoded, problems = decoding.decode([(0, image), (1, image)])
        assert decoded == [] and len(problems) == 1 and "stopped unexpectedly" in problems[0]
        assert problems[0].startswith("2 image(s) not decoded")
        decoded, problems = decoding.decode([(0, image), (1, image)])
        assert problems == [] and [index for index, _ in decoded] == [0, 1]
    finally:
        decoding.shutdown()
