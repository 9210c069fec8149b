"""Opening the 134-slice CT into a Volume, against SimpleITK's ImageSeriesReader measured in the same run.

Both sides start from the folder path: read headers, sort slices, read pixels into one array in HU.
Warm page cache, best of several runs. Then the same CT compressed to JPEG 2000 lossless (made here in a
temporary folder with pydicom's encoder) is opened serially, with a thread pool and with a process pool,
to show which parallel decoder pays. Ratio = SimpleITK time / our time (>= 1.0: ours is no slower).
Last, the reading screen's loader path on that J2K stack (model functions, no window): every image decoded
in the loader's thread, batch after batch, against the first image in the thread and the rest through the
shared decoding processes (StackDecodingPool), as StackLoader does; ratio = in-thread / processes.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pydicom
import SimpleITK as sitk
from pydicom.uid import JPEG2000Lossless

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from workstation.dicom.displaysets import display_sets  # noqa: E402
from workstation.dicom.model import read_patients  # noqa: E402
from workstation._qt.reading.stack_loading import BATCH_SIZE  # noqa: E402
from workstation.viewer.process_decoding import StackDecodingPool, decoding_workers, worth_a_process  # noqa: E402
from workstation.viewer.stack_building import decode_images, stacks_from_files  # noqa: E402
from workstation.volume.assembly import assemble_volume, decoding_pool  # noqa: E402

CT_FOLDER = PROJECT_ROOT.parent / "shared" / "dicom" / "ct_volume" / "pancreatic_ct_cbct_seg_philips_ct" / "dicom"
RUNS = 7


def open_ours(folder: Path, executor=None) -> np.ndarray:
    patients, errors = read_patients([folder])
    assert not errors, errors
    (series,) = patients[0].all_series()
    return assemble_volume(display_sets(series)[0], executor=executor).voxels


def open_simpleitk(folder: Path) -> sitk.Image:
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(folder)))
    return reader.Execute()


def best_time(function, *args, runs: int = RUNS, **kwargs) -> tuple[float, object]:
    result = function(*args, **kwargs)  # warm the page cache and the imports
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = function(*args, **kwargs)
        times.append(time.perf_counter() - start)
    return min(times), result


def compressed_copy(source: Path, target: Path) -> None:
    for path in sorted(source.glob("*.dcm")):
        dataset = pydicom.dcmread(path)
        dataset.compress(JPEG2000Lossless)
        dataset.save_as(target / path.name, enforce_file_format=True)


def load_stack_in_thread(folder: Path) -> int:
    """The loader's path without processes: the first image alone, then batches of BATCH_SIZE in turn."""
    (stack,), _ = stacks_from_files([folder])
    start, count = 0, 1
    while start < len(stack):
        indices = list(range(start, min(len(stack), start + count)))
        for index, values in decode_images(stack, indices)[0]:
            stack.set_pixels(index, values)
        start, count = indices[-1] + 1, BATCH_SIZE
    return stack.loaded_count


def load_stack_in_processes(folder: Path, pool: StackDecodingPool) -> int:
    """StackLoader's path for a compressed stack: the first image in the thread, then one batch per process."""
    (stack,), _ = stacks_from_files([folder])
    assert worth_a_process(stack)
    for index, values in decode_images(stack, [0])[0]:
        stack.set_pixels(index, values)
    start = 1
    while start < len(stack):
        indices = range(start, min(len(stack), start + BATCH_SIZE * pool.workers))
        for index, values in pool.decode([(index, stack.sources[index]) for index in indices])[0]:
            stack.set_pixels(index, values)
        start = indices[-1] + 1
    return stack.loaded_count


def main() -> int:
    if not CT_FOLDER.is_dir():
        print(f"missing {CT_FOLDER}: the benchmark needs ../shared/dicom beside the project", file=sys.stderr)
        return 1
    warnings.simplefilter("ignore")
    cores = os.cpu_count() or 1
    files = len(list(CT_FOLDER.glob("*.dcm")))
    print(f"CT: {CT_FOLDER.relative_to(PROJECT_ROOT.parent)} ({files} files), {cores} cores")

    ours, volume = best_time(open_ours, CT_FOLDER)
    theirs, image = best_time(open_simpleitk, CT_FOLDER)
    reference = sitk.GetArrayFromImage(image)
    assert np.array_equal(volume, reference), "our volume differs from SimpleITK's"
    print(f"uncompressed: ours {ours:.3f} s, SimpleITK ImageSeriesReader {theirs:.3f} s, ratio {theirs / ours:.2f}")

    with tempfile.TemporaryDirectory() as folder:
        j2k = Path(folder)
        start = time.perf_counter()
        compressed_copy(CT_FOLDER, j2k)
        print(f"JPEG 2000 lossless copy made in {time.perf_counter() - start:.1f} s")
        runs = 3
        serial, decoded = best_time(open_ours, j2k, runs=runs)
        assert np.array_equal(decoded, reference)
        with ThreadPoolExecutor(cores) as threads:
            threaded, decoded = best_time(open_ours, j2k, executor=threads, runs=runs)
        assert np.array_equal(decoded, reference)
        start = time.perf_counter()
        with decoding_pool(cores) as processes:
            list(processes.map(abs, range(cores)))  # start the workers
            startup = time.perf_counter() - start
            parallel, decoded = best_time(open_ours, j2k, executor=processes, runs=runs)
        assert np.array_equal(decoded, reference)
        theirs_j2k, _ = best_time(open_simpleitk, j2k, runs=runs)
        print(
            f"JPEG 2000: serial {serial:.3f} s, {cores} threads {threaded:.3f} s, {cores} processes {parallel:.3f} s "
            f"(pool start {startup:.2f} s, once per session), SimpleITK {theirs_j2k:.3f} s"
        )
        print(
            f"JPEG 2000 speed-up over serial: threads {serial / threaded:.2f}x, processes {serial / parallel:.2f}x; "
            f"ratio against SimpleITK (best of ours) {theirs_j2k / min(serial, threaded, parallel):.2f}"
        )
        in_thread, loaded = best_time(load_stack_in_thread, j2k, runs=runs)
        assert loaded == files
        for workers in sorted({decoding_workers(), cores}):  # the screen's default, and one per core
            pool = StackDecodingPool(workers)
            try:
                start = time.perf_counter()
                loaded = load_stack_in_processes(j2k, pool)
                cold = time.perf_counter() - start
                assert loaded == files
                warm, loaded = best_time(load_stack_in_processes, j2k, pool, runs=runs)
                assert loaded == files
            finally:
                pool.shutdown()
            default = " (the screen's default: cores - 1, at most 8)" if workers == decoding_workers() else ""
            print(
                f"reading screen, J2K stack until every image is decoded: in-thread {in_thread:.3f} s, "
                f"{workers} decoding processes{default} {warm:.3f} s (pool start included: {cold:.3f} s); "
                f"ratio in-thread / processes {in_thread / warm:.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
