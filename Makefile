# dbdesign: `make report` (the main job) and `make test` each set everything up first.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SCALE ?= small

.PHONY: setup system-deps widget-assets dbml-parser report test bench notebooks clean

setup: $(STAMP) system-deps widget-assets dbml-parser

$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

# System programs, from Debian when we are root, else one instruction:
#   dot (graphviz)     renders the ERDs - required
#   chromium           the real-browser tests of the report - required under CI, else they skip
#   npm                fetches the widget manager once, so the report's widgets work offline
#   sqlite3            the SQLite CLI whose .expert the index advisor is compared with
#   postgresql-15-hypopg  hypothetical indexes, when a local PostgreSQL 15 server is installed
PG_EXT := /usr/share/postgresql/15/extension
APT_NEEDED = $(strip \
  $(if $(shell command -v dot),,graphviz) \
  $(if $(shell command -v chromium),,chromium) \
  $(if $(shell command -v npm),,npm) \
  $(if $(shell command -v sqlite3),,sqlite3) \
  $(if $(wildcard $(PG_EXT)),$(if $(wildcard $(PG_EXT)/hypopg.control),,postgresql-15-hypopg)))

system-deps:
	@if [ -n "$(APT_NEEDED)" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing from Debian: $(APT_NEEDED)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_NEEDED) >/dev/null; \
	  elif ! command -v dot >/dev/null 2>&1; then \
	    echo "Graphviz is missing: run 'sudo apt-get install graphviz $(APT_NEEDED)' (or 'brew install graphviz'), then make again" >&2; \
	    exit 1; \
	  else \
	    echo "optional: 'sudo apt-get install $(APT_NEEDED)' adds browser tests / offline widgets / .expert" >&2; \
	  fi; \
	fi

# The widget manager and require.js (pinned npm packages, packed once into build/vendor) so the
# report's widgets render offline. Without npm the report keeps each widget's static rendering.
widget-assets: $(STAMP)
	@$(PY) -m dbdesign.report_assets fetch >/dev/null || \
	  echo "widget assets not fetched: the report will show static widget renderings" >&2

# dbdiagram's DBML parser (pinned) for the test that parses our DBML export; nothing committed.
DBML_CORE := 10.2.0
dbml-parser:
	@test -d build/dbml/node_modules/@dbml/core || { command -v npm >/dev/null && \
	  npm install --no-audit --no-fund --silent --prefix build/dbml @dbml/core@$(DBML_CORE) >/dev/null; } || \
	  echo "@dbml/core not installed: the DBML parse test will skip" >&2

report: setup
	$(VENV)/bin/dbdesign report --scale $(SCALE)

# Unit and engine tests, then the notebooks under nbval (checked cells must match stored facts).
test: setup
	$(PY) -m pytest tests notebooks --nbval-lax --nbval-current-env \
	  --nbval-sanitize-with notebooks/nbval_sanitize.cfg

# Re-run the notebooks and store their outputs (after changing a chapter).
notebooks: setup
	$(PY) -m dbdesign.report --refresh

bench: setup
	$(PY) -m dbdesign.bench

clean:
	rm -rf build data/generated .pytest_cache
