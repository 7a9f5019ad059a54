# One entry point for everything. `make run` brings the platform up, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PACKAGES := shared services/registry services/talent services/casework services/funding services/reporting services/gateway deploy/local
STAMP := $(VENV)/.installed
# axe-core (npm registry) for the console's accessibility checks in the browser tests; git-ignored
AXE := deploy/local/node/node_modules/axe-core/axe.min.js
SCHEMA_SERVICES := registry talent funding casework
# The packages mypy checks strictly (config in pyproject.toml): the shared library and every domain/ and application/.
MYPY_PACKAGES := pzh_shared registry.domain talent.domain casework.domain funding.domain registry.application talent.application casework.application funding.application

.PHONY: install run demo test test-fast bench bench-national bench-memory schemas lint clean

$(STAMP): requirements-dev.txt $(foreach p,$(PACKAGES),$(p)/pyproject.toml) deploy/local/tools/go.mod $(wildcard deploy/local/tools/*/go.mod)
	bash deploy/local/install-system-deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt $(foreach p,$(PACKAGES),-e $(p))
	$(PY) -m localinfra kafka-jars
	bash deploy/local/install-go-tools.sh
	touch $(STAMP)

$(AXE):
	npm install --prefix deploy/local/node --no-audit --no-fund --loglevel=error axe-core@4

install: $(STAMP) $(AXE)

## Starts a local Kafka broker, Jaeger (traces) and every process with SQLite stores under var/; Ctrl-C stops all.
run: $(STAMP)
	$(PY) -m localinfra.run

## With `make run` going in another terminal: loads a seeded demo year (2025) through the gateway's public API as
## admin (password from var/admin-password) and generates its four quarterly notices. GATEWAY=http://... if not on 8100.
demo: $(STAMP)
	$(PY) -m localinfra.demo --gateway $(or $(GATEWAY),http://127.0.0.1:8100) --username admin

## Every test: units, contracts on SQLite and a real PostgreSQL, end to end on a real Kafka broker.
test: $(STAMP) $(AXE)
	$(PY) -m pytest -q

## Every test of the tree that needs no Kafka broker, PostgreSQL server, platform, fault injection or browser (the
## markers the root conftest.py applies from a test's fixtures and folder; pyproject.toml lists them).
## tests/deploy (kustomize, hadolint) and tests/tooling (the lint gates on a copy) stay in: they run local tools
## only and take seconds.
test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not kafka and not postgres and not platform and not faults and not browser"

bench: $(STAMP)
	$(PY) bench/run.py

# The national-size steps (hours at full size): their own target, not part of `make bench`.
bench-national: $(STAMP)
	$(PY) bench/run.py --national

# RSS of the relay and the projection worker after 1,000,000 events (over 20 minutes with the rest).
bench-memory: $(STAMP)
	$(PY) bench/run.py --memory

schemas: $(STAMP)
	$(foreach s,$(SCHEMA_SERVICES),$(PY) -m pzh_shared.schemas write $(s).adapters.integration services/$(s)/schemas;)
	$(PY) -m pzh_shared.schemas catalogue docs/event-catalogue.md $(SCHEMA_SERVICES)

## ruff, mypy (strict, on MYPY_PACKAGES) and the import contracts of pyproject.toml; fails if any fails.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy $(foreach p,$(MYPY_PACKAGES),-p $(p))
	$(VENV)/bin/lint-imports

clean:
	rm -rf var
