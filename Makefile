# The two commands a newcomer needs: `make run` and `make test`. Each bootstraps the virtualenv.
# PYTHON=python3.12 make run   picks the interpreter the virtualenv is made with (Python >= 3.11).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
SERVING := $(VENV)/.installed-serving
INSTALLED := $(VENV)/.installed
export TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test
# Two pytest workers, each taking whole files (a file's module fixtures, such as one server for a
# scenario, then start once). PARALLEL= runs the suite in one process.
PARALLEL ?= -n 2 --dist loadfile

.PHONY: run test test-fast lint bench clean

$(PY):
	@echo "make: creating $(VENV) with $(PYTHON) ($$($(PYTHON) --version 2>&1))"
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# What serving needs, and no more.
$(SERVING): pyproject.toml | $(PY)
	@echo "make: installing chatapp and what it needs to serve (about a minute the first time)"
	$(PIP) install --progress-bar on -e .
	touch $@

# Serving plus the test tools (pytest, Playwright, ...).
$(INSTALLED): pyproject.toml | $(PY)
	@echo "make: installing chatapp with its test tools (a minute or two the first time)"
	$(PIP) install --progress-bar on -e ".[test]"
	touch $@ $(SERVING)

run: $(SERVING)  ## serve on the embedded SQLite database (./chatapp.db): http://127.0.0.1:1337/chat
	$(VENV)/bin/chatapp serve

test: $(INSTALLED)  ## the whole suite; PostgreSQL and browser tests run when they can (always under CI=true)
	@scripts/ensure-postgres || echo "make test: no PostgreSQL: its tests will be skipped (they fail under CI=true)"
	@scripts/ensure-chromium || echo "make test: no browser: the browser tests will be skipped (they fail under CI=true)"
	$(PY) -m pytest $(PARALLEL)

test-fast: $(INSTALLED)  ## skip the slow end-to-end tests that start real servers and browsers
	$(PY) -m pytest $(PARALLEL) -m "not e2e"

lint: $(INSTALLED)  ## ruff, then mypy (its settings: pyproject.toml)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy

bench: $(INSTALLED)  ## the benchmark suite; figures land in bench/results/
	@scripts/ensure-postgres
	$(PY) -m bench.run

clean:  ## remove what the commands above created (bench/results/ holds committed figures and stays)
	rm -rf $(VENV) chatapp.db chatapp.db-* .jwt_secret .pytest_cache .hypothesis .mypy_cache .ruff_cache test-artifacts src/*.egg-info build
	find . -path ./.git -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
	@scripts/ensure-postgres --remove
