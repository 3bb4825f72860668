# Lettrine — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed

.PHONY: run test install screenshots messages clean lint prod-check

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)
	$(BIN)/pybabel compile -d app/translations >/dev/null

## make run: install, migrate SQLite, load the CRPVE demo, serve on http://127.0.0.1:5000 (make run PORT=5001)
PORT ?= 5000
run: install
	$(FLASK) db upgrade
	$(FLASK) demo load
	$(FLASK) dev --port $(PORT)

## make test: the suite on SQLite, then on PostgreSQL when TEST_DATABASE_URL is set, in two pytest-xdist processes
## (JOBS=1 for one). Tests marked `slow` (crash and fault tests, real-process timeouts, timing comparisons, the full
## admin crawl) run only with TEST_ALL=1, as CI does, afterwards and one at a time: they time real processes.
JOBS ?= 2
PARALLEL := $(if $(filter 1,$(JOBS)),,-n $(JOBS))
define run_suite
	$(1) $(BIN)/pytest $(PARALLEL) -m "not slow" $(PYTEST_ARGS)
	$(if $(TEST_ALL),$(1) $(BIN)/pytest -m slow $(PYTEST_ARGS) || [ $$$$? -eq 5 ])
endef
test: install
	bash .ci/system-packages.sh
	$(call run_suite,env -u TEST_DATABASE_URL)
	@if [ -n "$$TEST_DATABASE_URL" ]; then echo "== PostgreSQL: $$TEST_DATABASE_URL"; fi
	$(if $(TEST_DATABASE_URL),$(call run_suite,))

## make lint: import-linter (the direction of imports, pyproject.toml), ruff (lint everywhere, format on the paths
## already formatted) and mypy on app/
FORMATTED := app/operations app/heartbeat.py app/logs.py app/services/support/backup.py app/services/deliverability/dns_records.py app/cli/backup.py app/cli/dns.py \
	app/web/operations.py app/models/operations.py tools/deploy_local.py tools/prod_check.py deploy/gunicorn.conf.py \
	tests/test_operations.py tests/test_backup.py tests/test_deploy.py tests/test_logs.py tests/test_monitoring_files.py \
	tests/test_code_checks.py
lint: install
	$(BIN)/lint-imports --no-logo
	$(BIN)/ruff check .
	$(BIN)/ruff format --check $(FORMATTED)
	$(BIN)/mypy

## make prod-check: the production layout for real (PostgreSQL, gunicorn behind nginx TLS, 2 workers,
## the scheduler) on loopback ports: subscribe, confirm, register, send, one-click unsubscribe, stop
prod-check: install
	bash .ci/system-packages.sh
	@pg_isready -q -h 127.0.0.1 -p 5432 || { pg_ctlcluster --skip-systemctl-redirect "$$(ls /etc/postgresql | head -1)" main start; \
	  for i in $$(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; }
	$(BIN)/python tools/prod_check.py

## make messages: extract translatable strings and update the English catalogue
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o app/translations/messages.pot . >/dev/null
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations -l en

clean:
	rm -rf $(VENV) instance .pytest_cache screenshots

## make screenshots: the demo announcement at 375/600 px and the admin pages at 1280/768 px (headless Chromium) into
## screenshots/, and the README's curated few (DOCS_SHOTS in tools/screenshots.py) into docs/screenshots/ (committed)
## (SHOTS_ARGS="--out DIR --docs DIR" writes elsewhere: the test of `make screenshots` does)
screenshots: install
	$(BIN)/python tools/screenshots.py $(SHOTS_ARGS)
