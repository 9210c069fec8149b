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
