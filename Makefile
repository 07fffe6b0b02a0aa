# dbdesign: `make report` (the main job) and `make test` each set everything up first.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SCALE ?= small

.PHONY: setup system-deps widget-assets interop-tools dynalite dbml-parser report test bench notebooks clean

setup: $(STAMP) system-deps widget-assets interop-tools dynalite dbml-parser

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
#   pgbouncer          the transaction-pooling proxy the pooling tests run our features through
PG_EXT := /usr/share/postgresql/15/extension
APT_NEEDED = $(strip \
  $(if $(shell command -v dot),,graphviz) \
  $(if $(shell command -v chromium),,chromium) \
  $(if $(shell command -v npm),,npm) \
  $(if $(shell command -v sqlite3),,sqlite3) \
  $(if $(wildcard /usr/sbin/pgbouncer),,pgbouncer) \
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
	@$(PY) -m dbdesign.review.report_assets fetch >/dev/null || \
	  echo "widget assets not fetched: the report will show static widget renderings" >&2

# The migration tools `dbdesign migrate export` is proven against (pinned npm packages, into
# build/interop; dbmate's package carries its own binary). Without npm the interop tests say so.
INTEROP_NPM := dbmate@2.36.0 knex@3.3.0 pg@8.23.1 mysql2@3.24.6
INTEROP_DIR := build/interop
interop-tools:
	@if [ "$$(cat $(INTEROP_DIR)/.pins 2>/dev/null)" != "$(INTEROP_NPM)" ]; then \
	  if command -v npm >/dev/null 2>&1; then \
	    mkdir -p $(INTEROP_DIR) && echo '{"private": true}' > $(INTEROP_DIR)/package.json && \
	    (cd $(INTEROP_DIR) && npm install --no-audit --no-fund --silent --save-exact $(INTEROP_NPM)) && \
	    echo "$(INTEROP_NPM)" > $(INTEROP_DIR)/.pins || echo "interop tools not installed (npm failed)" >&2; \
	  else echo "optional: npm installs dbmate and knex for the interop tests" >&2; fi; \
	fi

# dynalite (npm, pinned): the DynamoDB-compatible server the key-value design is proven on.
DYNALITE_VERSION := 4.0.0
dynalite: build/dynalite/node_modules/dynalite/package.json
build/dynalite/node_modules/dynalite/package.json:
	@command -v npm >/dev/null 2>&1 || { echo "npm is missing: the DynamoDB proof will skip" >&2; exit 0; }; \
	  npm install --prefix build/dynalite --no-audit --no-fund --loglevel=error dynalite@$(DYNALITE_VERSION) >/dev/null

# dbdiagram's DBML parser (pinned) for the test that parses our DBML export; nothing committed.
DBML_CORE := 10.2.0
dbml-parser:
	@test -d build/dbml/node_modules/@dbml/core || { command -v npm >/dev/null && \
	  npm install --no-audit --no-fund --silent --prefix build/dbml @dbml/core@$(DBML_CORE) >/dev/null; } || \
	  echo "@dbml/core not installed: the DBML parse test will skip" >&2

report: setup
	$(VENV)/bin/dbdesign report --scale $(SCALE)

# Unit and engine tests, then the notebooks under nbval (checked cells must match stored facts);
# the 15 slowest are listed at the end.
test: setup
	$(PY) -m pytest tests notebooks --nbval-lax --nbval-current-env \
	  --nbval-sanitize-with notebooks/nbval_sanitize.cfg --durations=15

# Re-run the notebooks and store their outputs (after changing a chapter).
notebooks: setup
	$(PY) -m dbdesign.review.report --refresh

bench: setup
	$(VENV)/bin/dbdesign bench --suite

clean:
	rm -rf build data/generated .pytest_cache
