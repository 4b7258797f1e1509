# The two commands of the README: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python

.PHONY: setup pulumi demo test test-unit test-e2e bench clean

setup: $(VENV)/.installed pulumi

$(VENV)/.installed: setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# The stand-in language host (where the real one cannot be built) runs on this checkout's Python.
pulumi:
	PULUMI_STANDIN_PYTHON=$(abspath $(PY)) bash scripts/install-pulumi.sh >/dev/null

demo: setup
	$(PY) scripts/demo.py

test: setup
	$(PY) -m pytest

test-unit: setup
	$(PY) -m pytest -m "not e2e"

test-e2e: setup
	$(PY) -m pytest -m e2e

bench: setup
	$(PY) bench/run.py

clean:
	rm -rf .state .demo .pytest_cache build *.egg-info
