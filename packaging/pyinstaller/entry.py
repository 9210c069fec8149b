"""Entry point of the frozen build: the same command line as the ``workstation`` console script.

``freeze_support`` comes first: a "spawn" worker process (the reading screen's image decoders) starts this
same executable, and without it each worker would run the whole application again, windows included.
"""

import multiprocessing

if __name__ == "__main__":
    multiprocessing.freeze_support()

from workstation.cli import main  # noqa: E402 - after freeze_support, so a worker never imports the app

if __name__ == "__main__":
    raise SystemExit(main())
