#!/usr/bin/env bash
# `make bench`: every benchmark prints its figures and its ratio against the peer measured in the same run.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
for benchmark in benchmarks/*.py; do
  echo "== $benchmark"
  xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python "$benchmark" || status=1
done
exit $status
