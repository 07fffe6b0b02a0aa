# dbdesign: `make report` (the main job) and `make test` each set everything up first.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SCALE ?= small

.PHONY: setup system-deps report test bench notebooks clean

setup: $(STAMP) system-deps

$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

# Graphviz's `dot` renders the ERDs. Installed from Debian when we are root, else one instruction.
system-deps:
	@if ! command -v dot >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Graphviz (apt-get install graphviz)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	  else \
	    echo "Graphviz is missing: run 'sudo apt-get install graphviz' (or 'brew install graphviz'), then make again" >&2; \
	    exit 1; \
	  fi; \
	fi

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
