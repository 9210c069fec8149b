"""The command line imports only what the command it runs needs, and still lists every command in help."""

from __future__ import annotations

import subprocess
import sys

from workstation.cli import COMMAND_MODULES, command_named


def test_the_command_is_the_first_word_and_open_is_the_default():
    assert command_named(["-v", "archive", "list"]) == "archive"
    assert command_named(["--selftest"]) == "selftest"
    assert command_named([]) == "open"
    assert command_named(["-v"]) == "open"
    assert command_named(["--help"]) is None


def test_a_headless_command_does_not_load_qt_vtk_or_the_network_stack(workstation_home):
    probe = ("import sys; from workstation.cli import main; main(['archive', 'list']); "
             "print(sorted(m for m in ('PySide6', 'vtkmodules', 'pynetdicom') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_help_lists_every_command(workstation_home):
    result = subprocess.run([sys.executable, "-m", "workstation", "--help"], capture_output=True, text=True,
                            timeout=60, check=True)
    for command in COMMAND_MODULES:
        assert command in result.stdout


def test_retrieve_help_loads_neither_the_archive_nor_the_security_nor_the_http_stack(workstation_home):
    """They load when the command runs: its --help alone took ~0.14 s with them, ~0.05 s without."""
    heavy = ("requests", "workstation.archive", "workstation.security.station", "workstation.net.job_queue")
    probe = ("import sys; from workstation.cli import main\n"
             "try:\n    main(['retrieve', '--help'])\nexcept SystemExit as end:\n    code = end.code\n"
             f"print(code, sorted(m for m in {heavy!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert "--pacs NODE" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "0 []"
