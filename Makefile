# Grapevine: every target creates .venv and installs what it needs by itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEBIAN_PACKAGES := tshark chromium

export DEBIAN_FRONTEND := noninteractive

.PHONY: play test lint format bench deps clean

# Debian packages the tests and the sensor use (tshark reads back pcaps).
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  command -v $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	  echo "wireshark-common wireshark-common/install-setuid boolean false" | $$SUDO debconf-set-selections; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends$$missing; \
	fi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

play: deps $(STAMP)
	$(BIN)/grapevine play

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: deps $(STAMP) lint
	$(BIN)/python -m pytest -q -p no:cacheprovider

bench: deps $(STAMP)
	$(BIN)/python -m tests.bench.run

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
