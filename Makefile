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
# Without a server at TEST_PG_URL, `make test` skips that pass (loudly), except in CI where it is required.
PG_REQUIRED ?= $(filter true 1 yes,$(CI))
PG_SKIP_NOTE ?= test-artifacts/postgres-skipped.txt
PYTEST_ARGS ?=

.PHONY: run test test-sqlite test-postgres test-postgres-or-skip test-browser screenshots lint bench bench-peers install clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	@# libmagic (Debian's libmagic1) tells an upload's real type (axon/media/sniff.py, through python-magic).
	ldconfig -p | grep -q 'libmagic\.so\.1 ' || { apt-get update -qq && apt-get install -y -qq libmagic1; }
	$(BIN)/pip install -q -e .
	touch $@

$(TEST_STAMP): pyproject.toml tests/browser/package-lock.json $(STAMP)
	$(BIN)/pip install -q -e '.[test]'
	@# Browser tests drive Debian's chromium (Playwright never downloads a browser here);
	@# the CJK and emoji fonts make the screenshots show Chinese text and emoji.
	command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk fonts-noto-color-emoji; }
	@# nginx in front of a node: the reverse-proxy configuration of deploy/nginx is tested for real (test_nginx.py
	@# starts its own nginx; policy-rc.d keeps the package from starting the system one on port 80).
	command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { apt-get update -qq && \
	  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx; rc=$$?; rm -f /usr/sbin/policy-rc.d; exit $$rc; }
	@# OpenLDAP's server for the LDAP sign-in and directory sync tests (each test starts its own slapd;
	@# policy-rc.d keeps the package from starting the system one).
	command -v slapd >/dev/null || [ -x /usr/sbin/slapd ] || { apt-get update -qq && \
	  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slapd ldap-utils; rc=$$?; rm -f /usr/sbin/policy-rc.d; exit $$rc; }
	@# axe-core for the accessibility checks (test_a11y.py), exactly as pinned in the lock file.
	command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm; }
	npm ci --prefix tests/browser --no-audit --no-fund
	touch $@

install: $(STAMP)

run: $(STAMP)
	$(BIN)/axon serve --host $(HOST) --port $(PORT)

# Everything runs at once: lint, the SQLite and PostgreSQL passes and the browser tests. Each pass
# keeps under one core busy (a test and its server subprocess, or chromium, wait on each other), so
# together they use both cores; each prints its output whole when it ends.
test: $(TEST_STAMP)
	$(MAKE) --no-print-directory -j4 --output-sync=recurse lint test-sqlite test-postgres-or-skip test-browser
	@# Said again at the end: the other passes' output may have scrolled it away.
	@if [ -f $(PG_SKIP_NOTE) ]; then cat $(PG_SKIP_NOTE) >&2; fi

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

# `make test`'s PostgreSQL pass: run when a server answers at TEST_PG_URL; otherwise fail in CI
# (PG_REQUIRED, set by CI=true) and skip elsewhere, with the reason and how to point it at a server.
# (Its prerequisites are already installed by `make test`; it only needs the venv's Python.)
test-postgres-or-skip:
	@rm -f $(PG_SKIP_NOTE)
	@reason=$$($(BIN)/python -c "$$PG_PROBE" '$(TEST_PG_URL)' 2>&1); status=$$?; \
	if [ $$status -eq 0 ]; then \
	  $(MAKE) --no-print-directory test-postgres; \
	elif [ $$status -ne 3 ]; then \
	  echo "make test: cannot check TEST_PG_URL=$(TEST_PG_URL):" >&2; echo "$$reason" >&2; exit 1; \
	elif [ -n "$(PG_REQUIRED)" ]; then \
	  echo "make test: $$reason, and the PostgreSQL pass is required in CI (CI=$(CI)). Failing." >&2; exit 1; \
	else \
	  mkdir -p $(dir $(PG_SKIP_NOTE)); \
	  { echo; echo "$$PG_BANNER"; \
	    echo "  SKIPPED: the PostgreSQL pass of make test: $$reason."; \
	    echo "  The suite ran on SQLite only. To include PostgreSQL, start a server whose database 'test'"; \
	    echo "  user postgres reaches without a password (apt-get install postgresql; createdb -U postgres test),"; \
	    echo "  or point the pass at yours:  make test TEST_PG_URL=postgresql+asyncpg://USER:PASSWORD@HOST:PORT/DB"; \
	    echo "  (In CI, CI=true, this pass is required and fails instead.)"; \
	    echo "$$PG_BANNER"; echo; } | tee $(PG_SKIP_NOTE) >&2; \
	fi

# Exits with 3, printing why, when nothing accepts a TCP connection at the URL's host and port
# (a URL without a host means a Unix socket: left to the tests themselves).
define PG_PROBE
import socket, sys
from sqlalchemy.engine import make_url
url = make_url(sys.argv[1])
if url.host:
    try:
        socket.create_connection((url.host, url.port or 5432), timeout=3).close()
    except OSError as exc:
        print(f"no PostgreSQL server answers at {url.host}:{url.port or 5432} ({exc.strerror or exc})")
        sys.exit(3)
endef
export PG_PROBE
export PG_BANNER := ==========================================================================================

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
