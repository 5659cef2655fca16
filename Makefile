# `make install` puts `ir-console` on your PATH (README, "Install"). In the checkout, `make run` opens
# the console from .venv with only what running needs, and `make test` adds the test tools and runs
# the suite. Installs are skipped when pyproject.toml did not change; a .venv made by another Python,
# or by one ir-console does not support, is rebuilt (tools/venv_check.py says why, in one line).
# `make test` runs the checks (`make check`: lint, format, types, import contracts) and then the whole
# suite in parallel; `make test-fast` is the quick loop: no checks, and the slow kinds of test (ui,
# subprocess, fault: markers in pyproject.toml) skipped.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
PIP := $(BIN)/python -m pip --disable-pip-version-check

# `make install` without pipx or uv: a virtualenv of its own, its command linked into $(PREFIX)/bin.
PREFIX ?= $(HOME)/.local
APP_VENV ?= $(PREFIX)/lib/ir-console

# The slow kinds of test, by marker (tests/conftest.py marks them by module).
SLOW := ui or subprocess or fault

.PHONY: run check test test-fast install uninstall venv bench screenshots snapshots clean FORCE
.DEFAULT_GOAL := $(STAMP)

# A .venv made by another Python: its stamp is out of date whatever its time (`venv` rebuilds it).
ifneq ($(shell $(PYTHON) tools/venv_check.py $(VENV) 2>/dev/null),)
$(STAMP): FORCE
endif
FORCE:

venv:
	@$(PYTHON) tools/venv_check.py --fix $(VENV)
	@test -x $(BIN)/python || { echo "Creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }

$(STAMP): pyproject.toml | venv
	@echo "Installing ir-console and what it needs to run into $(VENV) (once; again when pyproject.toml changes)"
	$(PIP) install -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	@echo "Installing the test tools into $(VENV)"
	$(PIP) install -e '.[test,sync]'
	touch $@

run: $(STAMP)
	$(BIN)/ir-console $(ARGS)

# Lint, formatting, types and the layers' import contracts; any finding fails the target.
check: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The checks, then the whole suite in parallel, one worker a core (a test module stays on one worker).
test: check
	$(BIN)/python -m pytest -n auto --dist loadfile $(PYTEST_ARGS)

# The quick loop: everything but the slow kinds, in parallel too. `PYTEST_ARGS=--lf` reruns the failures.
test-fast: $(TEST_STAMP)
	$(BIN)/python -m pytest -n auto -m "not ($(SLOW))" $(PYTEST_ARGS)

# pipx, else uv, else a virtualenv in $(APP_VENV) linked from $(PREFIX)/bin; run again to upgrade.
install:
	@if command -v pipx >/dev/null 2>&1; then \
		echo "Installing ir-console with pipx"; pipx install --force --python $(PYTHON) .; \
	elif command -v uv >/dev/null 2>&1; then \
		echo "Installing ir-console with uv"; uv tool install --force --reinstall --python $(PYTHON) .; \
	else \
		$(PYTHON) tools/venv_check.py --fix $(APP_VENV) && \
		{ test -x $(APP_VENV)/bin/python || $(PYTHON) -m venv $(APP_VENV); } && \
		echo "Installing ir-console into $(APP_VENV)" && \
		$(APP_VENV)/bin/python -m pip --disable-pip-version-check install --upgrade . && \
		mkdir -p $(PREFIX)/bin && ln -sfn $(APP_VENV)/bin/ir-console $(PREFIX)/bin/ir-console && \
		echo "Linked $(PREFIX)/bin/ir-console"; \
	fi
	@case ":$$PATH:" in *":$(PREFIX)/bin:"*) ;; *) echo "Add $(PREFIX)/bin to your PATH to run ir-console";; esac

uninstall:
	@if command -v pipx >/dev/null 2>&1 && pipx list --short 2>/dev/null | grep -q '^ir-console '; then \
		pipx uninstall ir-console; \
	elif command -v uv >/dev/null 2>&1 && uv tool list 2>/dev/null | grep -q '^ir-console '; then \
		uv tool uninstall ir-console; \
	else \
		rm -rf $(APP_VENV) && rm -f $(PREFIX)/bin/ir-console && echo "Removed $(APP_VENV) and its link"; \
	fi

# Regenerate the committed snapshot SVGs; look at the diff before committing it.
snapshots: $(TEST_STAMP)
	$(BIN)/python -m pytest tests/test_snapshots.py --snapshot-update

screenshots: $(TEST_STAMP)
	$(BIN)/python screenshots/generate.py screenshots

bench: $(TEST_STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) dist build
