# The two commands: `make demo` and `make test`. Everything else is a helper.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CLI := PYTHONPATH=plugins $(PY) -m superlytics_usage.cli

.PHONY: demo test lint airflow migrate bench lock clean

# Re-install only when the pins change.
$(STAMP): requirements.txt constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -r requirements.txt -c constraints.txt \
	  > $(VENV)/install.log 2>&1 || { tail -30 $(VENV)/install.log; exit 1; }
	touch $(STAMP)

demo: $(STAMP)
	$(CLI) demo

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check .

migrate: $(STAMP)
	$(CLI) migrate

airflow: $(STAMP)
	$(CLI) airflow

# Every benchmark in bench/, then one table of goals beside measured figures (about 40 minutes).
bench: $(STAMP)
	PYTHONPATH=plugins $(PY) bench/summary.py --run

# Rebuild constraints.txt from a clean throwaway venv.
lock:
	rm -rf /tmp/superlytics-lock && $(PYTHON) -m venv /tmp/superlytics-lock
	/tmp/superlytics-lock/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	{ echo "# Full pin set from a clean install of requirements.txt on Python 3.11 (regenerate: make lock)."; \
	  /tmp/superlytics-lock/bin/pip freeze; } > constraints.txt

clean:
	$(CLI) stop-db || true
	rm -rf .pgdata .airflow .demo
