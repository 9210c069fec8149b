"""Entry point of the frozen build: the same command line as the ``workstation`` console script."""

from workstation.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
