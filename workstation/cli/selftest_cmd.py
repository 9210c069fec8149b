"""``workstation selftest`` (also ``workstation --selftest``): proves an installed build works.

Each check prints one PASS/FAIL/SKIP line; the exit code is 1 when any check failed. Run on a fresh
reading station after installing, and by the packaging tests on the frozen build.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import socket
from collections.abc import Callable

import numpy as np

from workstation.core.resources import resource_path

log = logging.getLogger(__name__)


class SkipCheck(Exception):
    """The check does not apply on this station (e.g. no microphone); not a failure."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("selftest", help="check that this installation works, one line per check")
    parser.set_defaults(func=run)


def check_compressed_decoding() -> str:
    from workstation.dicom.pixels import decode_frames
    from workstation.dicom.reading import read_dataset

    expected = json.loads(resource_path("selftest", "expected.json").read_text(encoding="utf-8"))
    for name in expected["files"]:
        pixels = decode_frames(read_dataset(resource_path("selftest", name)))
        digest = hashlib.sha256(np.ascontiguousarray(pixels, dtype="<u2").tobytes()).hexdigest()
        if digest != expected["pixels_sha256"]:
            raise AssertionError(f"{name} decodes to different pixels")
    return f"decoded {', '.join(expected['files'])}"


def check_process_decoding() -> str:
    """The reading screen's decoding processes start and give the in-thread pixels. In the frozen build this
    proves ``freeze_support``: without it a worker re-runs the application and the pool breaks."""
    import multiprocessing

    from workstation.viewer.image_stack import ImageSource
    from workstation.viewer.process_decoding import StackDecodingPool
    from workstation.viewer.stack_building import decode_sources

    expected = json.loads(resource_path("selftest", "expected.json").read_text(encoding="utf-8"))
    sources = [(index, ImageSource(str(resource_path("selftest", name))))
               for index, name in enumerate(expected["files"] * 3)]
    pool = StackDecodingPool(workers=2)
    try:
        decoded, problems = pool.decode(sources)
        workers = len(multiprocessing.active_children())
    finally:
        pool.shutdown()
    if problems:
        raise AssertionError(problems[0])
    in_thread = dict(decode_sources(sources)[0])
    if [index for index, _ in decoded] != list(in_thread) or not all(
            np.array_equal(values, in_thread[index]) for index, values in decoded):
        raise AssertionError("the decoding processes gave other pixels than this process")
    return f"{len(decoded)} images decoded in {workers} worker processes"


def check_microphone() -> str:
    from workstation.reporting.microphone import default_input_device_name, record_seconds

    device = default_input_device_name()
    if device is None:
        raise SkipCheck("no input device on this station")
    samples = record_seconds(1.0)
    return f"recorded {samples.size} samples from {device}"


def check_storage_port() -> str:
    """The storage SCP listens on the configured port, answers a C-ECHO, and lets the port go again."""
    from workstation.archive import Archive
    from workstation.net.echo import c_echo
    from workstation.net.storage_scp import StorageSCP
    from workstation.settings.pacs_nodes import PacsNode, load_pacs_settings

    local = load_pacs_settings().local
    itself = PacsNode(name="this workstation", aet=local.aet, host="127.0.0.1", port=local.storage_port)
    with Archive.open_default() as archive, StorageSCP(archive, local):
        round_trip = c_echo(itself, local)
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("", local.storage_port))  # raises if the SCP did not release the port
    return f"port {local.storage_port} opened, echoed in {round_trip * 1000:.0f} ms, closed"


def check_window_and_rendering() -> str:
    from workstation._qt.selftest import check_window_and_rendering as check

    return check()


CHECKS: tuple[tuple[str, Callable[[], str]], ...] = (
    ("decode JPEG 2000 and JPEG-LS", check_compressed_decoding),
    ("decode in worker processes", check_process_decoding),
    ("storage SCP port", check_storage_port),
    ("main window, 2D and MPR rendering", check_window_and_rendering),
    ("microphone", check_microphone),
)


def run(args: argparse.Namespace) -> int:
    failures = skipped = 0
    for name, check in CHECKS:
        try:
            detail = check()
        except SkipCheck as reason:
            print(f"SKIP {name}: {reason}", flush=True)
            skipped += 1
        except Exception as error:  # a self-test reports every failure and goes on to the next check
            log.info("self-test %s failed", name, exc_info=True)
            print(f"FAIL {name}: {error}", flush=True)
            failures += 1
        else:
            print(f"PASS {name}: {detail}", flush=True)
    passed = len(CHECKS) - failures - skipped
    print(f"selftest: {passed} passed, {failures} failed, {skipped} skipped", flush=True)
    return 1 if failures else 0
