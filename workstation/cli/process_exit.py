"""Ending a command's process without the interpreter's teardown.

After a command CPython frees every module and object one by one before the process ends: ~25 ms after a
retrieve, which loaded the archive, security and HTTP stacks (about 4% of a 600-slice WADO-RS retrieve). The
operating system frees all of it at once. What the teardown does that a user could miss is done first: the
exit handlers (logging closes its files) and flushing stdout and stderr. Only for the commands in
``QUICK_EXIT_COMMANDS``, which close what they write themselves: a file left open for the teardown to flush
would lose its tail, and a SQLite connection left open keeps its committed data (in its WAL file) either way.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import threading

log = logging.getLogger(__name__)


def exit_without_teardown(code: int) -> int:
    """End the process now with exit status ``code``. Where that could lose something, return ``code`` for the
    normal exit instead: a non-daemon thread still runs (the interpreter waits for it), or stdout or stderr
    cannot be flushed (the interpreter reports that as it would for any command)."""
    others = [thread.name for thread in threading.enumerate()
              if thread is not threading.main_thread() and not thread.daemon]
    if others:
        log.debug("normal exit: threads %s still run", others)
        return code
    atexit._run_exitfuncs()  # what the interpreter runs at exit (logging.shutdown...); each runs once
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        return code
    os._exit(code)
