"""``python -m workstation`` and the ``workstation`` console script."""

import sys

from workstation.cli import QUICK_EXIT_COMMANDS, command_named
from workstation.cli import main as run_command
from workstation.cli.process_exit import exit_without_teardown


def main() -> int:
    """Run the command line's command; the commands that close what they write end without the teardown."""
    argv = sys.argv[1:]
    code = run_command(argv)
    if command_named(argv) in QUICK_EXIT_COMMANDS:
        return exit_without_teardown(code)
    return code


if __name__ == "__main__":
    if getattr(sys, "frozen", False):  # freeze_support is a no-op unless frozen (the frozen entry point calls it too)
        import multiprocessing

        multiprocessing.freeze_support()
    raise SystemExit(main())
