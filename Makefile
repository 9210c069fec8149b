# The two commands: `make run` and `make test` (README). Both set up what is missing first.
XVFB := xvfb-run -a -s "-screen 0 1920x1080x24"

.PHONY: setup run test unit-test package package-test bench

setup:
	@bash scripts/setup.sh

run: setup
	@bash scripts/run.sh

# The packaged self-test runs first so that pytest's summary is the last line CI reads.
test: package-test unit-test

unit-test: setup
	@$(XVFB) .venv/bin/python -m pytest -q -p no:cacheprovider

package: setup
	@bash packaging/build.sh

# The frozen build, run from its AppDir as a user would, must pass its own self-test.
package-test: package
	@$(XVFB) env WORKSTATION_HOME=$$(mktemp -d) build/Workstation.AppDir/AppRun --selftest

bench: setup
	@bash scripts/bench.sh
