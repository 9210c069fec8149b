"""``python -m workstation`` and the ``workstation`` console script."""

from workstation.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
