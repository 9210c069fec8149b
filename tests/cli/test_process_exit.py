"""A command's process ends without the interpreter's teardown, losing nothing it would have written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ENCRYPTED_CACHE_VARIABLE
from workstation.net.orthanc_server import free_port  # a port nothing listens on

ENDING = """
import atexit, logging, sys, threading, time
from workstation.cli.process_exit import exit_without_teardown

logging.basicConfig(filename=sys.argv[1], level=logging.INFO)
logging.getLogger("probe").info("logged before the end")
atexit.register(print, "exit handler ran")


class Witness:
    def __del__(self):
        print("teardown ran")


witness = Witness()
if sys.argv[2] == "thread":
    threading.Thread(target=time.sleep, args=(0.3,)).start()
print("buffered, no newline", end="")
sys.stderr.write("on stderr")
code = exit_without_teardown(3)
print(f" returned {code}")
sys.exit(code)
"""


def run_ending(tmp_path: Path, mode: str) -> tuple[subprocess.CompletedProcess, str]:
    log_file = tmp_path / "probe.log"
    result = subprocess.run([sys.executable, "-c", ENDING, str(log_file), mode], capture_output=True, text=True,
                            timeout=60)
    return result, log_file.read_text()


def test_the_process_ends_at_once_with_exit_handlers_run_and_output_flushed(tmp_path):
    result, logged = run_ending(tmp_path, "alone")
    assert result.returncode == 3
    assert result.stdout == "buffered, no newline" + "exit handler ran\n"
    assert result.stderr == "on stderr"
    assert "logged before the end" in logged
    assert "teardown ran" not in result.stdout and "returned" not in result.stdout


def test_a_running_thread_gets_the_normal_exit_that_waits_for_it(tmp_path):
    result, logged = run_ending(tmp_path, "thread")
    assert result.returncode == 3
    assert result.stdout.startswith("buffered, no newline returned 3")
    assert "exit handler ran" in result.stdout and "teardown ran" in result.stdout
    assert "logged before the end" in logged


def test_a_failed_dicomweb_retrieve_ends_quickly_with_its_message_audit_log_and_lean_imports(workstation_home):
    """The retrieve command ends by ``exit_without_teardown``; its audit record, log and message are all kept,
    and it loads neither the password hasher, nor the database key derivation, nor multiprocessing."""
    unwanted = ["argon2", "multiprocessing", "pydicom", "pynetdicom", "ldap3", "numpy"]
    if not os.environ.get(ENCRYPTED_CACHE_VARIABLE):  # an encrypting station derives its database keys
        unwanted.append("cryptography")
    url = f"http://127.0.0.1:{free_port()}/dicom-web"
    probe = ("import atexit, sys; "
             f"atexit.register(lambda: print('loaded:', sorted(m for m in {unwanted!r} if m in sys.modules))); "
             f"sys.argv = ['workstation', 'retrieve', '--pacs', {url!r}, '--study', '1.2.3.4', '--method', 'web']; "
             "from workstation.__main__ import main; main(); print('not ended')")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "WORKSTATION_HOME": str(workstation_home)})
    assert result.returncode == 1, result.stderr
    assert result.stdout.strip().splitlines() == ["loaded: []"]
    assert "1.2.3.4: failed: Cannot reach the DICOMweb server" in result.stderr
    audit = [json.loads(line) for line in (workstation_home / "audit" / "audit.log").read_text().splitlines()]
    assert [record["event"] for record in audit] == ["begin transferring"]
    assert "retrieve job 1.2.3.4 from" in (workstation_home / "logs" / "workstation.log").read_text()
