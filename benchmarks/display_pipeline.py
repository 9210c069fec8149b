"""2D reading hot path: decode a CT slice and window it to 8 bits, against plain pydicom doing the same.

Peer: pydicom's own ``pixel_array`` for decoding, and ``apply_modality_lut`` + ``apply_windowing`` +
a cast to uint8 for windowing (what a pydicom-based viewer would do per window change).
Run: .venv/bin/python benchmarks/display_pipeline.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pydicom
from pydicom.pixels import apply_modality_lut, apply_windowing

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from workstation.dicom.display import display_grey  # noqa: E402
from workstation.dicom.pixels import decode_frame  # noqa: E402
from workstation.dicom.reading import read_dataset  # noqa: E402
from workstation.dicom.voi import WindowLevel  # noqa: E402

CT_FOLDER = PROJECT_ROOT.parent / "shared/dicom/ct_volume/pancreatic_ct_cbct_seg_philips_ct/dicom"
LARGE_MR = PROJECT_ROOT.parent / "shared/dicom/mixed/pydicom-data/MR2_UNCR.dcm"
WINDOWS = [WindowLevel(40, 400), WindowLevel(-600, 1500), WindowLevel(300, 1500), WindowLevel(50, 350)]


def best_of(repeats: int, action) -> float:
    """Best wall time of ``repeats`` runs, in seconds (the least disturbed by the other processes)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def peer_window(dataset: pydicom.Dataset, stored: np.ndarray, window: WindowLevel) -> np.ndarray:
    dataset.WindowCenter, dataset.WindowWidth = window.center, window.width
    values = apply_windowing(apply_modality_lut(stored, dataset), dataset)
    low = float(values.min())
    return np.rint((values - low) * (255 / max(float(values.max()) - low, 1))).astype(np.uint8)


def windowing(label: str, dataset: pydicom.Dataset) -> None:
    stored = decode_frame(dataset, 0)
    ours = best_of(5, lambda: [display_grey(dataset, stored, window=w) for w in WINDOWS]) / len(WINDOWS)
    peer = best_of(5, lambda: [peer_window(dataset, stored, w) for w in WINDOWS]) / len(WINDOWS)
    print(f"window/level {label} {stored.shape[1]}x{stored.shape[0]}: ours {ours * 1e3:.2f} ms, "
          f"pydicom {peer * 1e3:.2f} ms, ratio {peer / ours:.1f}x faster ({1 / ours:.0f} frames/s)")


def main() -> int:
    paths = sorted(CT_FOLDER.glob("*.dcm"))
    if not paths:
        print(f"no CT series in {CT_FOLDER}")
        return 1
    datasets = [read_dataset(path) for path in paths]
    ours = best_of(3, lambda: [decode_frame(dataset, 0) for dataset in datasets])
    peer = best_of(3, lambda: [pydicom.pixels.pixel_array(dataset) for dataset in datasets])
    print(f"decode {len(paths)} CT slices (headers already read): ours {ours:.3f} s, pydicom pixel_array "
          f"{peer:.3f} s, ratio {peer / ours:.2f}x")
    windowing("CT", datasets[len(datasets) // 2])
    windowing("MR", read_dataset(LARGE_MR))
    return 0


if __name__ == "__main__":
    sys.exit(main())
