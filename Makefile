# The two commands a newcomer needs: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
HOST ?= 127.0.0.1
PORT ?= 8000
# PostgreSQL used for the second pass of the suite (the project machines run it with trust auth).
TEST_PG_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=

.PHONY: run test test-sqlite test-postgres test-browser screenshots lint bench bench-peers install clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install -q -e '.[test]'
	@# Browser tests drive Debian's chromium (Playwright never downloads a browser here);
	@# the CJK and emoji fonts make the screenshots show Chinese text and emoji.
	command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk fonts-noto-color-emoji; }
	touch $@

install: $(STAMP)

run: $(STAMP)
	$(BIN)/axon serve --host $(HOST) --port $(PORT)

test: $(TEST_STAMP)
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres
	$(MAKE) --no-print-directory test-browser

test-sqlite: $(TEST_STAMP)
	$(BIN)/python -m pytest -q -m "not browser and not postgres" $(PYTEST_ARGS)

# Playwright's sync API runs its own event loop: the browser tests get a pytest process of their own.
# Their screenshots go to test-artifacts/screenshots/; `make screenshots` refreshes docs/screenshots/.
test-browser: $(TEST_STAMP)
	$(BIN)/python -m pytest -q -m browser tests/browser $(PYTEST_ARGS)

screenshots: $(TEST_STAMP)
	AXON_REFRESH_SCREENSHOTS=1 $(MAKE) --no-print-directory test-browser

# The store-backed layers again on PostgreSQL (pure unit tests do not touch a store).
test-postgres: $(TEST_STAMP)
	AXON_TEST_DATABASE_URL=$(TEST_PG_URL) $(BIN)/python -m pytest -q -m "not browser" tests/integration tests/faults $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check axon tests $(wildcard bench)
	$(BIN)/lint-imports
	$(BIN)/mypy

BENCH_STAMP := $(VENV)/.installed-bench
WORKLOAD ?= all
BENCH_ARGS ?=
$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install -q -e '.[test,bench]'
	touch $@

# Long load runs live here, never in `make test`: make bench WORKLOAD=w2 BENCH_ARGS="--profile 30"
bench: $(BENCH_STAMP)
	$(BIN)/python -m bench $(WORKLOAD) $(BENCH_ARGS)

# ejabberd for `--servers axon,ejabberd` (Debian's package; policy-rc.d keeps the system service
# from starting: the suite runs its own instance). Then: make bench BENCH_ARGS="--servers axon,ejabberd"
bench-peers: $(BENCH_STAMP)
	command -v ejabberdctl >/dev/null || { apt-get update -qq && \
	  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q ejabberd; rc=$$?; rm -f /usr/sbin/policy-rc.d; exit $$rc; }

clean:
	rm -rf $(VENV) build *.egg-info
