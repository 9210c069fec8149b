"""The cost of encrypting the local cache (``encrypt_cache``): the same work on a plain and an encrypted cache.

Import of the real CT and MR series (326 files, fsync per file as always; the files and the SQLite index both
encrypted, or both plain), then opening the 134-slice CT from the cache into a Volume (headers, sorting,
pixels), both from a warm page cache; then the archive index alone (SQLCipher against plain SQLite): filing
20,000 synthetic instances in batches, listing them all back, and opening the index. Best of several rounds,
plain and encrypted measured alternately in the same run. Ratio = plain time / encrypted time
(1.0: encryption costs nothing; 0.8: the encrypted cache takes 25 % longer).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from workstation.archive import Archive  # noqa: E402
from workstation.archive.index import ArchiveIndex  # noqa: E402
from workstation.archive.part10 import InstanceHeader  # noqa: E402
from workstation.core.chunked_cipher import CHUNK_SIZE, encrypt  # noqa: E402
from workstation.dicom.displaysets import display_sets  # noqa: E402
from workstation.dicom.model import read_patients  # noqa: E402
from workstation.volume.assembly import assemble_volume  # noqa: E402

SHARED_DICOM = PROJECT_ROOT.parent / "shared" / "dicom"
CT = SHARED_DICOM / "ct_volume/pancreatic_ct_cbct_seg_philips_ct/dicom"
SERIES = [CT, SHARED_DICOM / "mr_volume/FNNDSC_SAG-anon_siemens_skyra_mprage192"]
IMPORT_ROUNDS = 3
LOAD_ROUNDS = 5
INDEX_ROUNDS = 3
INDEX_INSTANCES, INDEX_BATCH, INSTANCES_PER_SERIES = 20_000, 50, 200


def set_encryption(home: Path, on: bool) -> None:
    (home / "security.json").write_text(
        json.dumps({"encrypt_cache": on, "cache_key_file": str(home.parent / "keys" / "cache.key")}), encoding="utf-8")


def import_seconds(folder: Path) -> float:
    start = time.perf_counter()
    with Archive(folder) as archive:
        report = archive.import_paths(SERIES)
    seconds = time.perf_counter() - start
    assert report.imported == 326, report
    return seconds


def load_seconds(folder: Path) -> float:
    with Archive(folder) as archive:
        study = next(s for s in archive.studies() if any(x.modality == "CT" for x in archive.series(s.study_instance_uid)))
        (series,) = archive.series(study.study_instance_uid)
        paths = archive.instance_paths(series.series_instance_uid)
    start = time.perf_counter()
    patients, errors = read_patients(paths)
    (display_set,) = [d for p in patients for s in p.all_series() for d in display_sets(s)]
    volume = assemble_volume(display_set)
    seconds = time.perf_counter() - start
    assert not errors and volume.voxels.shape == (134, 512, 512)
    return seconds


def synthetic_headers() -> list[InstanceHeader]:
    """Instances of 100 series (200 each), 25 studies, 10 patients, as a PACS retrieve would file them."""
    headers = []
    for number in range(INDEX_INSTANCES):
        series = number // INSTANCES_PER_SERIES
        study, patient = series // 4, series // 10
        headers.append(InstanceHeader(
            f"1.2.826.0.1.3680043.8.498.9.{number}", "1.2.840.10008.5.1.4.1.1.2", f"1.2.826.0.1.3680043.8.498.7.{study}",
            f"1.2.826.0.1.3680043.8.498.8.{series}", f"MRN{patient:06d}", "", f"Patient^Number{patient}", "19700101",
            "O", "20240101", "120000", f"ACC{study}", "CT CHEST", "CT", series, "AXIAL", "CHEST", number))
    return headers


def index_seconds(path: Path, headers: list[InstanceHeader]) -> tuple[float, float, float]:
    """Seconds to file ``headers`` in batches, to list every study, series and path, and to open the index."""
    start = time.perf_counter()
    index = ArchiveIndex(path)
    for first in range(0, len(headers), INDEX_BATCH):
        index.add_instances([(header, f"files/{header.sop_instance_uid}.dcm", 500_000, True)
                             for header in headers[first:first + INDEX_BATCH]])
    filed = time.perf_counter() - start
    start = time.perf_counter()
    listed = sum(len(index.instance_paths(series.series_instance_uid)) for study in index.studies(None)
                 for series in index.series(study.study_instance_uid))
    listing = time.perf_counter() - start
    index.close()
    assert listed == len(headers), listed
    start = time.perf_counter()
    ArchiveIndex(path).close()
    return filed, listing, time.perf_counter() - start


def main() -> int:
    if not all(folder.is_dir() for folder in SERIES):
        print(f"benchmark needs {SHARED_DICOM}; not found")
        return 1
    files = sorted(path for folder in SERIES for path in folder.rglob("*.dcm"))
    megabytes = sum(path.stat().st_size for path in files) / 1e6
    for path in files:
        path.read_bytes()
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch) / "home"
        home.mkdir()
        os.environ["WORKSTATION_HOME"] = str(home)
        data = os.urandom(64 << 20)
        start = time.perf_counter()
        encrypt(data, os.urandom(32))
        print(f"encrypt() of 64 MiB in {CHUNK_SIZE >> 10} KiB chunks (AES-256-GCM, fresh buffers): "
              f"{64 * 1.048576 / (time.perf_counter() - start):.0f} MB/s on one core")

        imports: dict[bool, list[float]] = {False: [], True: []}
        for round_number in range(IMPORT_ROUNDS):
            for encrypted in (False, True):
                set_encryption(home, encrypted)
                imports[encrypted].append(import_seconds(Path(scratch) / f"cache-{encrypted}-{round_number}"))
        loads: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(LOAD_ROUNDS):
            for encrypted in (False, True):
                set_encryption(home, encrypted)
                loads[encrypted].append(load_seconds(Path(scratch) / f"cache-{encrypted}-0"))
        headers = synthetic_headers()
        filing: dict[bool, list[float]] = {False: [], True: []}
        listing: dict[bool, list[float]] = {False: [], True: []}
        opening: dict[bool, list[float]] = {False: [], True: []}
        for round_number in range(INDEX_ROUNDS):
            for encrypted in (False, True):
                set_encryption(home, encrypted)
                times = index_seconds(Path(scratch) / f"index-{encrypted}-{round_number}.sqlite", headers)
                for figures, seconds in zip((filing, listing, opening), times):
                    figures[encrypted].append(seconds)

    print(f"{len(files)} files, {megabytes:.1f} MB; best of {IMPORT_ROUNDS} imports, {LOAD_ROUNDS} CT loads")
    print(f"index alone: {INDEX_INSTANCES} instances in batches of {INDEX_BATCH}, best of {INDEX_ROUNDS}")
    for label, figures in (("import CT+MR", imports), ("open CT 134 slices", loads), ("index: file 20k", filing),
                           ("index: list 20k", listing), ("index: open", opening)):
        plain, sealed = min(figures[False]), min(figures[True])
        print(f"{label:<20} plain {plain:6.3f} s   encrypted {sealed:6.3f} s   ratio {plain / sealed:4.2f} "
              f"(medians {sorted(figures[False])[len(figures[False]) // 2]:.3f} / "
              f"{sorted(figures[True])[len(figures[True]) // 2]:.3f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
