"""``python -m workstation`` and the ``workstation`` console script."""

import multiprocessing

from workstation.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a no-op unless frozen; the frozen entry point relies on it too
    raise SystemExit(main())
