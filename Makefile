# The two commands: `make run` and `make test` (README). Both set up what is missing first.
XVFB := xvfb-run -a -s "-screen 0 1920x1080x24"

.PHONY: setup run test bench

setup:
	@bash scripts/setup.sh

run: setup
	@bash scripts/run.sh

test: setup
	@$(XVFB) .venv/bin/python -m pytest -q -p no:cacheprovider

bench: setup
	@bash scripts/bench.sh
