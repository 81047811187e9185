# Two commands for a fresh machine: `make demo` and `make test`. Both install what they need.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
SONDAGE := $(VENV)/bin/sondage
INSTALLED := $(VENV)/.installed
NODE_DEPS := node_modules/.package-lock.json
export DEBIAN_FRONTEND := noninteractive
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test lint unit e2e bench bench-collector bench-dashboard bench-scale bench-studio build install tools chromium postgres clean

demo: install
	$(SONDAGE) build --surveys examples/surveys --out dist
	$(SONDAGE) serve --bundle dist --db demo.db --demo examples/site --surveys examples/surveys

test: install chromium postgres lint
	$(PY) -m pytest

# ruff and strict mypy for the Python; TypeScript's checker for the bundle's JavaScript; the
# documentation, built offline with `mkdocs build --strict` into .cache/site (docs/, mkdocs.yml).
lint: install
	$(VENV)/bin/ruff check runtime sondage build tests bench devtools docs
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy docs/hooks/generate.py
	node_modules/.bin/tsc -p static/tsconfig.json
	node_modules/.bin/tsc -p static/tsconfig.worker.json
	node_modules/.bin/tsc -p sondage/studio/tsconfig.json
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir .cache/site

unit: install postgres
	$(PY) -m pytest tests/unit

e2e: install chromium
	$(PY) -m pytest tests/e2e

# Not part of `make test`: timings belong in the benchmark, never in tests.
bench: install chromium
	$(PY) bench/run.py

# The collector alone: answers per second and POST /collect latency, SQLite and PostgreSQL.
bench-collector: install postgres
	$(PY) bench/collector.py

# Past one machine: one and three collectors on PostgreSQL and one on SQLite, 16 clients,
# batches of 1 and 20, a collector killed and PostgreSQL restarted mid-load, the webhook
# queue's drain rate (bench/scale.py; about 4 minutes).
bench-scale: install postgres
	$(PY) bench/scale.py

# The dashboard over 100,000 seeded answers: GET /dashboard response time, SQLite and PostgreSQL.
bench-dashboard: install postgres
	$(PY) bench/dashboard.py

# The studio's Publish: from the click to the new version on a visitor's screen (goal <= 2 s).
bench-studio: install chromium
	$(PY) bench/studio_publish.py

build: install
	$(SONDAGE) build --surveys examples/surveys --out dist

install: $(INSTALLED) $(NODE_DEPS)

# Node.js and npm run the pinned Pyodide at build time (and Segment's bundles in tests).
tools:
	@command -v node >/dev/null && command -v npm >/dev/null || { \
	  echo "installing Node.js and npm from Debian"; apt-get update -qq && apt-get install -y -qq nodejs npm; }
	@command -v python3 >/dev/null || { apt-get update -qq && apt-get install -y -qq python3 python3-venv; }

$(VENV)/bin/python: | tools
	python3 -m venv $(VENV)

$(INSTALLED): pyproject.toml build/wheels.py | $(VENV)/bin/python
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,serve,postgres]'
	# The wheels `sondage build` installs with micropip inside Pyodide (PyPI): micropip, jinja2,
	# and a pure-Python markupsafe built from its sdist (see build/wheels.py).
	$(PY) -m build.wheels
	touch $@

$(NODE_DEPS): package.json package-lock.json | tools
	npm ci --no-audit --no-fund --loglevel=error

# Debian's Chromium, driven by Python Playwright (never `playwright install`).
chromium:
	@command -v chromium >/dev/null || { \
	  echo "installing Debian's chromium"; apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

# Debian's PostgreSQL server binaries: the tests start their own server on a temporary
# data directory (never the system's cluster).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  echo "installing Debian's postgresql"; apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; }

clean:
	rm -rf dist .pytest_cache
