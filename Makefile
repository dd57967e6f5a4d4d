# Two commands set up a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test lint install demo bench messages clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

## Install, migrate, load the demo data once, and serve on http://127.0.0.1:$(PORT)
run: $(STAMP)
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py load_demo --once
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

## The whole suite (SQLite by default; set DATABASE_URL for PostgreSQL)
test: $(STAMP)
	$(PY) manage.py makemigrations --check --dry-run --settings=cpdash.test_settings
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

demo: $(STAMP)
	DEBUG=1 $(PY) manage.py load_demo

## Recompile translations after editing locale/*/LC_MESSAGES/django.po
messages: $(STAMP)
	DEBUG=1 $(PY) manage.py makemessages -l vi -l en --ignore=.venv --no-obsolete
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
