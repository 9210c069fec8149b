"""Retrieve a 600-slice 512x512 CT from a loopback Orthanc: our C-GET, C-MOVE and WADO-RS vs DCMTK.

The CT is synthesised here from the real CT's header (new UIDs, 600 positions, int16 pixels). Each round
runs every contender once (every other round in reverse order) into a fresh folder: DCMTK ``getscu`` and ``movescu`` (writing
plain files), our paths in-process into a fresh archive (atomic writes + index), and our whole command
``workstation retrieve`` (Python start-up included). Figures: MB/s, images/s, the ratio ours/DCMTK for
the same DIMSE service (WADO-RS is compared with getscu), the time until the first instance and the
middle slice of the series (fetched first) are on disk, and, in-process, until every retrieved file is
flushed to disk (the archive defers that flush past the end of the transfer, and the command does not
wait for it: like DCMTK, which never flushes, it leaves the rest to the kernel's write-back). Two extra rows write plain files the way DCMTK does (no fsync, no index) to show how much of our
time is the archive's durable, indexed write rather than the network path.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydicom
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from workstation.archive import Archive  # noqa: E402
from workstation.net.orthanc_server import OrthancServer, free_port, orthanc_installed  # noqa: E402
from workstation.net.retrieve import retrieve  # noqa: E402
from workstation.settings.pacs_nodes import LocalNode  # noqa: E402

TEMPLATE = PROJECT_ROOT.parent / "shared/dicom/ct_volume/pancreatic_ct_cbct_seg_philips_ct/dicom/1-001.dcm"
SLICES, SIZE = 600, 512
DCMTK_ENV = dict(os.environ, TCP_NODELAY="1")


def synthesise_ct(folder: Path, slices: int = SLICES) -> tuple[str, int]:
    """Write a ``slices``-slice CT (one series) into ``folder``; returns (StudyInstanceUID, bytes)."""
    template = pydicom.dcmread(TEMPLATE)
    study, series = generate_uid(), generate_uid()
    y, x = np.mgrid[0:SIZE, 0:SIZE]
    body = ((x - SIZE / 2) ** 2 + (y - SIZE / 2) ** 2 < (SIZE * 0.42) ** 2)
    rng = np.random.default_rng(7)
    total = 0
    for index in range(slices):
        dataset = template.copy()
        dataset.StudyInstanceUID, dataset.SeriesInstanceUID = study, series
        dataset.SOPInstanceUID = generate_uid()
        dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
        dataset.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        dataset.PatientID, dataset.PatientName = "BENCH-RETRIEVE", "Benchmark^Retrieve"
        dataset.InstanceNumber = index + 1
        dataset.ImagePositionPatient = [-250.0, -250.0, -index * 1.0]
        dataset.SliceLocation = -index * 1.0
        pixels = np.where(body, 40, -1000).astype(np.int16) + rng.integers(-20, 20, (SIZE, SIZE), dtype=np.int16)
        dataset.Rows = dataset.Columns = SIZE
        dataset.BitsAllocated, dataset.BitsStored, dataset.HighBit, dataset.PixelRepresentation = 16, 16, 15, 1
        dataset.RescaleIntercept, dataset.RescaleSlope = 0, 1
        dataset.PixelData = pixels.tobytes()
        path = folder / f"{index:04d}.dcm"
        dataset.save_as(path, enforce_file_format=True)
        total += path.stat().st_size
    return study, total


@dataclass
class Run:
    seconds: float
    count: int
    first_seconds: float | None
    middle_seconds: float | None = None
    durable_seconds: float | None = None  # until every retrieved file was flushed to disk (fsync)


def first_file_watch(folder: Path, started: float) -> tuple[threading.Event, list[float]]:
    """Poll ``folder`` every millisecond; record when the first file shows up."""
    stop, seen = threading.Event(), []

    def watch() -> None:
        while not stop.is_set() and not seen:
            if folder.exists() and any(os.scandir(folder)):
                seen.append(time.perf_counter() - started)
                return
            time.sleep(0.001)

    threading.Thread(target=watch, daemon=True).start()
    return stop, seen


def run_command(command: list[str], folder: Path, environment: dict | None = None) -> Run:
    folder.mkdir(parents=True)
    started = time.perf_counter()
    stop, seen = first_file_watch(folder, started)
    result = subprocess.run(command, env=environment or DCMTK_ENV, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    stop.set()
    if result.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {result.stderr[-2000:]}")
    count = sum(1 for path in folder.rglob("*") if path.is_file())
    return Run(seconds, count, seen[0] if seen else None)


def run_ours(node, local: LocalNode, folder: Path, study: str) -> Run:
    started = time.perf_counter()
    with Archive(folder) as archive:
        report = retrieve(node, local, archive, study)
        archive.wait_until_durable(60)
        durable = time.perf_counter() - started
    return Run(report.elapsed_seconds, report.received_instances, report.first_instance_seconds,
               report.middle_instance_seconds, durable)


@dataclass(frozen=True)
class _Written:
    sop_instance_uid: str
    stored: bool = True
    duplicate: bool = False


class PlainFiles:
    """Benchmark-only sink writing numbered files like DCMTK does (no fsync, no index, no header parse):
    separates the cost of our network path from the cost of the archive's durable, indexed writes."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.count, self.lock = folder, 0, threading.Lock()
        folder.mkdir(parents=True)

    def store_part10(self, data: bytes, *, from_pacs: bool = False) -> _Written:
        with self.lock:
            self.count += 1
            number = self.count
        (self.folder / f"{number}.dcm").write_bytes(data)
        return _Written(str(number))

    def instance_uids(self, study_instance_uid: str, series_instance_uid: str | None = None) -> set[str]:
        return {str(number) for number in range(1, self.count + 1)}

    def has_instance(self, sop_instance_uid: str) -> bool:
        return True  # files are not named by UID: no middle slice fetched ahead (the stream's copy would be a 601st file)

    def receive_file(self) -> _NumberedFile:
        with self.lock:
            self.count += 1
            return _NumberedFile(self.folder / f"{self.count}.dcm")

    def file_incoming(self, files: list[_NumberedFile]) -> list[_Written]:
        return [_Written(file.path.stem) for file in files]


class _NumberedFile:
    """A streamed part written as it arrives, like DCMTK writes a received instance."""

    buffered_bytes = 0

    def __init__(self, path: Path) -> None:
        self.path, self.size = path, 0
        self._file = path.open("wb", buffering=0)

    def write(self, piece: bytes | memoryview) -> None:
        self._file.write(piece)
        self.size += len(piece)

    def close(self) -> None:
        self._file.close()

    def discard(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)


def run_ours_plain(node, local: LocalNode, folder: Path, study: str) -> Run:
    report = retrieve(node, local, PlainFiles(folder), study)
    return Run(report.elapsed_seconds, report.received_instances, report.first_instance_seconds)


def run_whole_command(address: str, method: str, home: Path, study: str, local: LocalNode) -> Run:
    home.mkdir(parents=True)
    (home / "pacs_nodes.json").write_text(
        f'{{"local": {{"aet": "{local.aet}", "storage_port": {local.storage_port}}}, "nodes": []}}'
    )
    environment = dict(os.environ, WORKSTATION_HOME=str(home))
    started = time.perf_counter()
    result = subprocess.run(
        [str(PROJECT_ROOT / ".venv/bin/workstation"), "retrieve", "--pacs", address, "--study", study, "--method", method],
        env=environment, capture_output=True, text=True,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"workstation retrieve failed: {result.stderr[-2000:]}")
    count = int(result.stdout.split(":")[1].split()[0])
    middle = result.stdout.split("middle slice on disk after ")[1].split()[0] if "middle slice" in result.stdout else None
    return Run(seconds, count, None, float(middle) if middle else None)


def start_clean(folder: Path) -> None:
    """Untimed, between contenders: remove what one wrote and write back every dirty page, so the next one
    neither pays for the previous one's unwritten data (DCMTK never syncs) nor fills a fuller disk."""
    shutil.rmtree(folder, ignore_errors=True)
    os.sync()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=SLICES)
    parser.add_argument("--rounds", type=int, default=4)  # a median of round ratios needs a few rounds
    parser.add_argument("--only", default="", metavar="WORDS",
                        help="comma-separated words; run only contenders whose name holds one (peers always run)")
    options = parser.parse_args()
    if not orthanc_installed() or not TEMPLATE.exists():
        print("benchmark needs Orthanc (scripts/setup.sh as root) and ../shared/dicom; not found")
        return 1
    # the whole command as installed: pip byte-compiles a package, while this checkout may run with
    # PYTHONDONTWRITEBYTECODE and would otherwise compile every module from source on each start
    compileall.compile_dir(PROJECT_ROOT / "workstation", quiet=1)
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        (scratch / "ct").mkdir()
        study, size = synthesise_ct(scratch / "ct", options.slices)
        megabytes = size / 1e6
        ours_local = LocalNode(aet="WORKSTATION", storage_port=free_port(), maximum_pdu_size=1_048_576)
        movescu_port = free_port()
        server = OrthancServer(folder=scratch / "orthanc", modalities={
            "workstation": (ours_local.aet, "127.0.0.1", ours_local.storage_port),
            "dcmtk": ("DCMTKMOVE", "127.0.0.1", movescu_port),
        })
        with server:
            server.upload(sorted((scratch / "ct").glob("*.dcm")))
            print(f"Orthanc holds {server.instance_count()} instances, {megabytes:.0f} MB; "
                  f"{options.rounds} rounds, alternating")
            keys = ["-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={study}"]
            peer = ["-aec", server.aet, "127.0.0.1", str(server.dicom_port)]
            contenders: dict[str, Callable[[Path], Run]] = {
                "DCMTK getscu": lambda folder: run_command(
                    ["getscu", "-S", "-aet", "DCMTKGET", "--max-pdu", "131072", "-od", str(folder), *keys, *peer], folder),
                "DCMTK movescu": lambda folder: run_command(
                    ["movescu", "-S", "-aet", "DCMTKMOVE", "-aem", "DCMTKMOVE", "--port", str(movescu_port),
                     "--max-pdu", "131072", "-od", str(folder), *keys, *peer], folder),
                "ours C-GET (in-process)": lambda folder: run_ours(server.node(method="get"), ours_local, folder, study),
                "ours C-MOVE (in-process)": lambda folder: run_ours(server.node(method="move"), ours_local, folder, study),
                "ours WADO-RS (in-process)": lambda folder: run_ours(server.node(method="web"), ours_local, folder, study),
                "ours C-GET -> plain files": lambda folder: run_ours_plain(server.node(method="get"), ours_local, folder, study),
                "ours WADO-RS -> plain files": lambda folder: run_ours_plain(server.node(method="web"), ours_local, folder, study),
                "ours C-GET (whole command)": lambda folder: run_whole_command(server.address, "get", folder, study, ours_local),
                "ours WADO-RS (whole command)": lambda folder: run_whole_command(
                    server.dicomweb_url, "web", folder, study, ours_local),
            }
            if options.only:
                words = [word.strip().lower() for word in options.only.split(",")]
                contenders = {name: contender for name, contender in contenders.items()
                              if name.startswith("DCMTK") or any(word in name.lower() for word in words)}
            results: dict[str, list[Run]] = {name: [] for name in contenders}
            for round_number in range(options.rounds):
                order = list(contenders.items())  # every other round reversed: no contender always runs first
                for number, (name, contender) in enumerate(order if round_number % 2 == 0 else order[::-1]):
                    folder = scratch / f"run-{round_number}-{number}"
                    run = contender(folder)
                    if run.count != options.slices:
                        raise RuntimeError(f"{name} fetched {run.count} of {options.slices} instances")
                    results[name].append(run)
                    start_clean(folder)

        best = {name: min(runs, key=lambda run: run.seconds) for name, runs in results.items()}
        print(f"{'contender':<30} {'best s':>7} {'median s':>8} {'MB/s':>7} {'img/s':>7} {'first s':>8} "
              f"{'middle s':>8} {'flushed s':>9}  ratio (best; median of rounds)")
        peers = {"get": "DCMTK getscu", "move": "DCMTK movescu", "web": "DCMTK getscu"}
        for name, runs in results.items():
            run = best[name]
            first, middle, durable = (f"{value:{width}.3f}" if value is not None else " " * (width - 1) + "-"
                                      for value, width in ((run.first_seconds, 8), (run.middle_seconds, 8),
                                                           (run.durable_seconds, 9)))
            ratio = ""
            if name.startswith("ours"):
                peer_name = peers["web" if "WADO" in name else "move" if "MOVE" in name else "get"]
                # each round's ratio compares runs a few seconds apart: this machine's speed drifts by 2x
                # over minutes (other VMs on the host), which a ratio of medians would mix in
                median_ratio = statistics.median(peer.seconds / ours.seconds for peer, ours in zip(results[peer_name], runs))
                ratio = f"{best[peer_name].seconds / run.seconds:.2f}x; {median_ratio:.2f}x {peer_name}"
            print(f"{name:<30} {run.seconds:7.3f} {statistics.median(r.seconds for r in runs):8.3f} "
                  f"{megabytes / run.seconds:7.1f} {options.slices / run.seconds:7.0f} {first} {middle} {durable}  {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
