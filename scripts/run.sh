#!/usr/bin/env bash
# `make run`: prepares the embedded default (demo studies in the local archive) and opens the workstation.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/workstation demo-data --import
exec .venv/bin/workstation open
