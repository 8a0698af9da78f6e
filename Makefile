# The two commands a newcomer needs: `make run` and `make test`. Each bootstraps the virtualenv.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
export TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: run test test-fast bench e2e clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

run: $(INSTALLED)  ## serve on the embedded SQLite database (./chatapp.db) at http://127.0.0.1:1337
	$(VENV)/bin/chatapp serve

test: $(INSTALLED)  ## the whole suite; PostgreSQL tests run when a server can be reached or started
	@scripts/ensure-postgres || echo "make test: no PostgreSQL: its tests will be skipped (they fail under CI=true)"
	$(PY) -m pytest

test-fast: $(INSTALLED)  ## skip the slow end-to-end tests that start real servers
	$(PY) -m pytest -m "not e2e"

bench: $(INSTALLED)  ## the benchmark suite; figures land in bench/results/
	@scripts/ensure-postgres
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) chatapp.db chatapp.db-* .pytest_cache
