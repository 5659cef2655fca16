# Quick start: `make run` opens the console, `make test` runs the checks and the whole suite.
# Both create .venv and install into it first; the install is skipped when nothing changed.
# `make test-fast` is the quick loop: no checks (`make check` runs them alone), and the slow kinds of
# test (ui, subprocess, fault: markers in pyproject.toml) skipped.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run check test test-fast bench screenshots snapshots clean

# The slow kinds of test, by marker (tests/conftest.py marks them by module).
SLOW := ui or subprocess or fault

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/ir-console $(ARGS)

# Lint, formatting, types and the layers' import contracts; any finding fails the target.
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The checks, then the whole suite in parallel, one worker a core (a test module stays on one worker).
test: check
	$(BIN)/python -m pytest -n auto --dist loadfile $(PYTEST_ARGS)

# The quick loop: everything but the slow kinds, in parallel too. `PYTEST_ARGS=--lf` reruns the failures.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n auto -m "not ($(SLOW))" $(PYTEST_ARGS)

# Regenerate the committed snapshot SVGs; look at the diff before committing it.
snapshots: $(STAMP)
	$(BIN)/python -m pytest tests/test_snapshots.py --snapshot-update

screenshots: $(STAMP)
	$(BIN)/python screenshots/generate.py screenshots

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) dist build
