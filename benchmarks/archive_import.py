"""Bulk import into the local archive against Orthanc (a PACS archive doing the same job) on this machine.

Both get the same real CT and MR series (326 files) from a warm page cache: we parse headers, write each
file atomically with fsync and index in batched SQLite transactions; Orthanc receives the files over its
REST API on loopback and indexes them into its own SQLite. A raw copy with fsync per file is the floor.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from workstation.archive import Archive  # noqa: E402
from workstation.net.orthanc_server import OrthancServer, orthanc_installed  # noqa: E402

SHARED_DICOM = PROJECT_ROOT.parent / "shared" / "dicom"
SERIES = [
    SHARED_DICOM / "ct_volume/pancreatic_ct_cbct_seg_philips_ct/dicom",
    SHARED_DICOM / "mr_volume/FNNDSC_SAG-anon_siemens_skyra_mprage192",
]


def dicom_files() -> list[Path]:
    return sorted(path for folder in SERIES for path in folder.rglob("*") if path.suffix.lower() == ".dcm")


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def copy_with_fsync(files: list[Path], target: Path) -> None:
    target.mkdir()
    for number, path in enumerate(files):
        with open(target / f"{number}.dcm", "wb") as copy:
            copy.write(path.read_bytes())
            copy.flush()
            os.fsync(copy.fileno())


def figures(label: str, seconds: float, count: int, megabytes: float) -> None:
    print(f"{label:<34} {seconds:7.3f} s  {count / seconds:8.0f} files/s  {megabytes / seconds:7.1f} MB/s")


def main() -> int:
    if not all(folder.is_dir() for folder in SERIES):
        print(f"benchmark needs {SHARED_DICOM}; not found")
        return 1
    files = dicom_files()
    megabytes = sum(path.stat().st_size for path in files) / 1e6
    for path in files:
        path.read_bytes()  # warm the page cache for every contender
    print(f"{len(files)} files, {megabytes:.1f} MB (CT 134 slices + MR 192 slices)")
    with tempfile.TemporaryDirectory() as scratch:
        scratch_path = Path(scratch)
        floor = timed(lambda: copy_with_fsync(files, scratch_path / "copy"))
        figures("raw copy + fsync per file (floor)", floor, len(files), megabytes)

        with Archive(scratch_path / "archive") as archive:
            reports = []
            ours = timed(lambda: reports.append(archive.import_paths(SERIES)))
            again = timed(lambda: reports.append(archive.import_paths(SERIES)))
        assert reports[0].imported == len(files) and reports[1].duplicates == len(files), reports
        figures("workstation import", ours, len(files), megabytes)
        figures("workstation re-import (duplicates)", again, len(files), megabytes)

        if not orthanc_installed():
            print("Orthanc is not installed: no peer figure (run scripts/setup.sh as root)")
            return 1
        with OrthancServer(scratch_path / "orthanc") as orthanc:
            peer = timed(lambda: orthanc.upload(files))
            assert orthanc.instance_count() == len(files)
        figures("Orthanc REST import (peer)", peer, len(files), megabytes)
    print(f"ratio: workstation import is {peer / ours:.2f}x the speed of Orthanc; "
          f"{floor / ours:.2f}x the speed of a raw copy with fsync")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
