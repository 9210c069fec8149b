#!/usr/bin/env bash
# `make run`: prepares the embedded default (demo studies in the local archive and a loopback demo PACS
# seeded with them) and opens the workstation; the demo PACS stops when the workstation closes.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/workstation demo-data --import
# Without Orthanc installed this prints why and the workstation still opens on the local archive.
if .venv/bin/workstation pacs start-demo; then
  trap '.venv/bin/workstation pacs stop-demo >/dev/null' EXIT
  # Worklist entries for the demo studies: MWL items in the demo Orthanc and HL7 orders, one of them STAT.
  .venv/bin/workstation worklist seed-demo
fi
.venv/bin/workstation open
