# The two commands of the README: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# The one place the Pulumi version is written: the CLI we build, and the SDK we develop against.
PULUMI_VERSION := $(shell sed 's/^v//' tools/pulumi-build/VERSION)
# The oldest SDK the package supports (pyproject.toml: pulumi>=3.139); unit tests run on it too.
PULUMI_MIN_VERSION := 3.139.0
MIN_VENV := .venv-min

.PHONY: setup venv pulumi demo test test-unit test-e2e test-min lint format typecheck check bench clean

setup: venv pulumi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml setup.py tools/pulumi-build/VERSION
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]' 'pulumi==$(PULUMI_VERSION)'
	touch $@

$(MIN_VENV)/.installed: pyproject.toml setup.py
	$(PYTHON) -m venv $(MIN_VENV)
	$(MIN_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(MIN_VENV)/bin/python -m pip install --quiet -e '.[dev]' 'pulumi==$(PULUMI_MIN_VERSION)'
	touch $@

# The stand-in language host (where the real one cannot be built) runs on this checkout's Python.
pulumi:
	PULUMI_STANDIN_PYTHON=$(abspath $(PY)) bash scripts/install-pulumi.sh >/dev/null

demo: setup
	$(PY) scripts/demo.py

# Everything CI runs: lint, types, the whole suite, and the unit tests on the oldest supported SDK.
test: setup lint typecheck test-min
	$(PY) -m pytest

# Unit tests need no Go and no CLI.
test-unit: venv
	$(PY) -m pytest -m "not e2e"

test-e2e: setup
	$(PY) -m pytest -m e2e

test-min: $(MIN_VENV)/.installed
	$(MIN_VENV)/bin/python -m pytest -m "not e2e" -q

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

typecheck: venv
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy tests scripts bench

bench: setup
	$(PY) bench/run.py

clean:
	rm -rf .state .demo .pytest_cache build *.egg-info $(MIN_VENV)
