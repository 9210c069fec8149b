"""A JPEG 2000 study opened in the real window: every image arrives, the later batches through the decoding
processes, and the pixels are those of the uncompressed CT."""

from __future__ import annotations

import numpy as np
import pydicom
import pytest
from pydicom.uid import JPEG2000Lossless

from workstation._qt.reading import stack_loading
from workstation._qt.reading.reading_view import ReadingView
from workstation.viewer.process_decoding import StackDecodingPool
from workstation.viewer.stack_building import decode_images, stacks_from_files

pytestmark = pytest.mark.gui
CT_FOLDER = "ct_volume/pancreatic_ct_cbct_seg_philips_ct/dicom"
SLICES = 20
LOAD_TIMEOUT_MS = 60_000


@pytest.fixture
def counted_pool(monkeypatch):
    """The reading screen's shared pool, replaced by one of two processes that counts its batches."""
    pool = StackDecodingPool(workers=2)
    calls = []
    decode = pool.decode
    monkeypatch.setattr(pool, "decode", lambda sources: calls.append([i for i, _ in sources]) or decode(sources))
    monkeypatch.setattr(stack_loading, "_shared_pool", pool)
    yield calls
    pool.shutdown()


def test_a_j2k_study_shows_every_image_decoded_through_the_processes(
        qtbot, main_window, shared_dicom, tmp_path, counted_pool):
    originals = sorted((shared_dicom / CT_FOLDER).glob("*.dcm"))[:SLICES]
    for path in originals:
        dataset = pydicom.dcmread(path)
        dataset.compress(JPEG2000Lossless)
        dataset.save_as(tmp_path / path.name, enforce_file_format=True)
    reading = ReadingView(main_window.archive)
    main_window.install_reading_screen(reading)
    problems = []
    reading.loader.problem.connect(problems.append)
    reading.open_paths([tmp_path])
    def all_decoded() -> bool:  # the one-image preview shows first; the full stack replaces it
        stack = reading.session.viewports[0].stack
        return stack is not None and len(stack) == SLICES and stack.is_complete

    qtbot.waitUntil(all_decoded, timeout=LOAD_TIMEOUT_MS)
    stack = reading.session.viewports[0].stack
    assert problems == []
    assert counted_pool, "no batch went to the decoding processes"
    through_processes = sorted(index for batch in counted_pool for index in batch)
    assert through_processes == list(range(1, SLICES))  # the first image decoded in the thread
    assert max(len(batch) for batch in counted_pool) > stack_loading.BATCH_SIZE  # batches for both processes
    (original,), _ = stacks_from_files(originals)
    expected = dict(decode_images(original, range(SLICES))[0])
    assert all(np.array_equal(stack.pixels(index), expected[index]) for index in range(SLICES))
