# Grapevine: every target creates .venv and installs what it needs by itself, and
# no more: `play` the runtime dependencies; `test`, `bench`, `lint` the test extras;
# `test` and `bench` also tshark (the tests read pcaps back with it; playing never does).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
TESTING := $(VENV)/.installed-test
DEBIAN_PACKAGES := tshark chromium postgresql

export DEBIAN_FRONTEND := noninteractive

.PHONY: play test lint format bench deps clean

# Debian packages the tests and benchmarks use (tshark reads pcaps back; the store
# tests start a PostgreSQL server of their own, whose binaries Debian keeps off PATH).
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  command -v $$p >/dev/null 2>&1 || { [ $$p = postgresql ] && \
	    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	  echo "wireshark-common wireshark-common/install-setuid boolean false" | $$SUDO debconf-set-selections; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends$$missing; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# What playing needs: the runtime dependencies only.
$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

# What testing and benchmarking need on top: the test extras (and `deps`).
$(TESTING): pyproject.toml $(RUNTIME)
	$(BIN)/pip install -q -e '.[test]'
	touch $@

play: $(RUNTIME)
	$(BIN)/grapevine play

lint: $(TESTING)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(TESTING)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The suite in PYTEST_WORKERS processes (pytest-xdist), each test file whole in one of
# them (its module fixtures are made once, as in one process); PYTEST_WORKERS=0 runs it
# all in one process.
PYTEST_WORKERS ?= 2

test: deps $(TESTING) lint
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) --dist loadfile

bench: deps $(TESTING)
	$(BIN)/python -m tests.bench.run

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
