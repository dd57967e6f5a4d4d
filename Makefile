# Two commands set up a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium
TEST_WORKERS ?= auto
# What WeasyPrint (the report as PDF) loads from Debian: Pango, its FreeType glue, HarfBuzz's subsetter.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0

.PHONY: run serve worker test lint install browser pdf-deps demo bench bench-pages bench-load bench-import screenshots messages clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

## Debian's Chromium for the browser tests (Playwright drives it; it never downloads one)
browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "Browser tests need Chromium: sudo apt-get install chromium (they skip without it)" >&2; fi; }

## Debian's Pango for WeasyPrint, which draws the report as PDF (the fonts are the project's own, in static/fonts)
pdf-deps:
	@installed=$$(dpkg-query -W -f='$${Status}\n' $(PDF_PACKAGES) 2>/dev/null | grep -c "install ok installed"); \
	test "$$installed" = $(words $(PDF_PACKAGES)) || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(PDF_PACKAGES); \
	  else echo "The report as PDF needs Pango: sudo apt-get install $(PDF_PACKAGES) (without it the PDF answers 503)" >&2; fi; }

## Install, migrate, load the demo data once, and serve on http://127.0.0.1:$(PORT), with the
## background-job worker alongside (stopped with the server)
run: $(STAMP) pdf-deps
	DEBUG=1 $(PY) manage.py migrate --noinput
	@# Not DEBUG=1: load_demo then refuses a database that is not a demo one (an exported production DATABASE_URL).
	$(PY) manage.py load_demo --once
	DEBUG=1 $(PY) manage.py send_digest --schedule  # the monthly digest's run (docs/digest.md)
	DEBUG=1 $(PY) manage.py db_worker --interval 1 --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

## Production (after pip install -r requirements.txt): migrate, collectstatic, gunicorn on 127.0.0.1:$(PORT).
## Needs SECRET_KEY and ALLOWED_HOSTS; see README.md, "Production"
serve: pdf-deps
	@test -n "$$SECRET_KEY" || { echo "make serve: set SECRET_KEY (50+ random characters)" >&2; exit 1; }
	@test -n "$$ALLOWED_HOSTS" || { echo "make serve: set ALLOWED_HOSTS (e.g. cp.example.vn)" >&2; exit 1; }
	DATABASE_STATEMENT_TIMEOUT=0 $(PY) manage.py migrate --noinput  # data migrations may take longer than a request
	$(PY) manage.py collectstatic --noinput
	PORT=$(PORT) exec $(VENV)/bin/gunicorn --config gunicorn.conf.py

## Production: the background-job worker (large imports and exports, the monthly digest), beside
## `make serve`; see README.md, "Background jobs", and docs/deploy/cpdash-worker.service
worker:
	$(PY) manage.py send_digest --schedule  # queues the monthly digest's run unless one is queued
	exec $(PY) manage.py db_worker --interval 1

## The whole suite (SQLite by default; set DATABASE_URL for PostgreSQL), on TEST_WORKERS
## pytest-xdist processes (auto: one per CPU; TEST_WORKERS=0 runs it in this one)
test: $(STAMP) browser pdf-deps
	$(PY) manage.py makemigrations --check --dry-run --settings=cpdash.test_settings
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup

## Ruff, then the apps' layers (import-linter; the contract is in pyproject.toml)
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

demo: $(STAMP)
	$(PY) manage.py load_demo

## Pages and calls at several register sizes beside their one-query floors (SQLite: 2k, 20k; with a
## PostgreSQL DATABASE_URL: 20k, 100k, 1M; BENCH_SIZES=… to choose), then each page type's weight
## over the network (bench-pages), then gunicorn under load (bench-load), then a 200,000-row import in the
## browser while others work (bench-import; both PostgreSQL only); see docs/performance.md
bench: $(STAMP) browser
	$(PY) scripts/bench.py
	$(PY) -m bench.pages
	$(PY) -m bench.load
	$(PY) -m bench.browser_import

## Each page type's bytes over the network, cold and warm, in Chromium, from the production static
## set-up (gunicorn, collectstatic, whitenoise) on a scratch database: bench/pages.py, about a minute
bench-pages: $(STAMP) browser
	$(PY) -m bench.pages

## The pictures in docs/screenshots/ (README.md, "Screens"): the dashboard (its first screen, its funnel, its
## map) and a staff form at 1366 px and on a 390 px phone, from the demo data on the production set-up (scripts/screenshots.py), about a minute
screenshots: $(STAMP) browser
	$(PY) scripts/screenshots.py

## gunicorn (gunicorn.conf.py, DEBUG=0, collectstatic, whitenoise) on a scratch PostgreSQL database of
## 100,000 facilities under 1, 10 and 50 signed-in clients (Locust), 30 s each: bench/load.py, about 4 min.
## LOAD_SECONDS, LOAD_LEVELS, LOAD_SIZE to choose; needs a PostgreSQL DATABASE_URL whose name contains "bench"
bench-load: $(STAMP)
	$(PY) -m bench.load

## issue 10's "Done when": an admin imports a 200,000-row register in Chromium (the facility import in the admin,
## a background job: checked, confirmed, written) and watches its page until it has finished, while a manager and a
## staff member keep asking for pages; gunicorn (gunicorn.conf.py, DEBUG=0) and one db_worker on a scratch PostgreSQL
## database: bench/browser_import.py. IMPORT_ROWS, IMPORT_BASE_SIZE, IMPORT_TIMEOUT to choose; needs a PostgreSQL
## DATABASE_URL whose name contains "bench"
bench-import: $(STAMP) browser
	$(PY) -m bench.browser_import

## Recompile translations after editing locale/*/LC_MESSAGES/django.po
messages: $(STAMP)
	DEBUG=1 $(PY) manage.py makemessages -l vi -l en --ignore=.venv --no-obsolete
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .import_linter_cache
