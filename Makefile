# Two commands for a newcomer, with only python3 and make:
#   make run [PORT=8000]   development server with demo data (db.sqlite3 is kept between runs);
#                          SAMPLE_ACTUALS=1 adds invented FY2024 actuals (noted 「サンプル」)
#   make test              the test suite (PYTEST_ARGS="-k eras -x" to narrow it)
#   make check             the gates: ruff, formatting, migrations, Django's checks, mypy, and
#                          the architecture test (`make lint` is an alias)
#   make serve [PORT=8000] production mode: gunicorn on 127.0.0.1 behind an HTTPS proxy (README)
PYTHON ?= python3
PORT ?= 8000
PYTEST_ARGS ?=
SAMPLE_ACTUALS ?=
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test check lint serve

run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	PORT=$(PORT) $(PY) manage.py setup_demo $(if $(SAMPLE_ACTUALS),--with-sample-actuals)
	DEBUG=true $(PY) manage.py runserver 127.0.0.1:$(PORT)

# Production mode (config.settings_production) with gunicorn (config/gunicorn.conf.py) on
# 127.0.0.1:$(PORT). Needs SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL (PostgreSQL) in the
# environment. Static files are collected into STATIC_ROOT (staticfiles/) for WhiteNoise first.
serve: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=config.settings_production $(PY) manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=config.settings_production $(PY) manage.py collectstatic --noinput -v 0
	DJANGO_SETTINGS_MODULE=config.settings_production GUNICORN_BIND=127.0.0.1:$(PORT) \
		exec $(VENV)/bin/gunicorn config.wsgi -c config/gunicorn.conf.py

test: $(VENV)/.installed-dev
	$(PY) -m pytest $(PYTEST_ARGS)

check: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check
	$(VENV)/bin/mypy
	$(PY) -m pytest -q tests/test_architecture.py

lint: check

$(PY):
	$(PYTHON) -m venv $(VENV)

# The stamps make pip run again only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PY) -m pip install --disable-pip-version-check -e '.[dev]'
	touch $@

# make bench [BENCH_ARGS="--scales 10 --databases sqlite"]: the Excel import/export benchmark
# (×10 and ×100 the 2024 edition, SQLite and PostgreSQL; several minutes). Not part of `make test`.
BENCH_ARGS ?=

.PHONY: bench bench-pages

bench: $(VENV)/.installed-dev
	$(PY) benchmarks/import_export.py $(BENCH_ARGS)

# make bench-pages [BENCH_ARGS="--scales 1 10 100 --databases sqlite postgresql --repeat 20"]:
# each admin page beside a plain changelist of as many rows (the floor), at ×1, ×10 and ×100 the
# 2024 edition with change requests and history; add --json PATH to keep the table. Not part of
# `make test`; at ×100 on both databases it takes a while.
bench-pages: $(VENV)/.installed-dev
	$(PY) benchmarks/pages.py $(BENCH_ARGS)
