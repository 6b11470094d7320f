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

.PHONY: run test check lint serve pdf-deps

# The edition's PDF (WeasyPrint) needs Debian's Pango and a Japanese font. `make pdf-deps` installs
# whichever is missing (with apt-get; as root, or through sudo). `make test` runs it first.
PDF_PACKAGES := fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0
pdf-deps:
	@missing=""; for package in $(PDF_PACKAGES); do \
		dpkg -s $$package >/dev/null 2>&1 || missing="$$missing $$package"; done; \
	if [ -n "$$missing" ]; then \
		echo "== apt-get install$$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi; \
		$$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends $$missing; \
	fi

run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	PORT=$(PORT) $(PY) manage.py setup_demo $(if $(SAMPLE_ACTUALS),--with-sample-actuals)
	DEBUG=true SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} $(PY) manage.py runserver 127.0.0.1:$(PORT)

# Production mode (config.settings_production) with gunicorn (config/gunicorn.conf.py) on
# 127.0.0.1:$(PORT). Needs SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL (PostgreSQL) in the
# environment. Static files are collected into STATIC_ROOT (staticfiles/) for WhiteNoise first.
serve: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=config.settings_production $(PY) manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=config.settings_production $(PY) manage.py collectstatic --noinput -v 0
	DJANGO_SETTINGS_MODULE=config.settings_production GUNICORN_BIND=127.0.0.1:$(PORT) \
		exec $(VENV)/bin/gunicorn config.wsgi -c config/gunicorn.conf.py

test: $(VENV)/.installed-dev pdf-deps
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

.PHONY: bench bench-pages bench-editions bench-actuals

bench: $(VENV)/.installed-dev
	$(PY) benchmarks/import_export.py $(BENCH_ARGS)

# make bench-pages [BENCH_ARGS="--scales 1 10 100 --databases sqlite postgresql --repeat 20"]:
# each admin page beside a plain changelist of as many rows (the floor), at ×1, ×10 and ×100 the
# 2024 edition with change requests and history; add --json PATH to keep the table. Not part of
# `make test`; at ×100 on both databases it takes a while.
bench-pages: $(VENV)/.installed-dev
	$(PY) benchmarks/pages.py $(BENCH_ARGS)

# make bench-editions [BENCH_ARGS="--scales 1 10 100 --databases sqlite postgresql"]: 「次の版を作成」
# (copying an edition) beside a floor of plain bulk inserts of as many rows. Not part of `make test`.
bench-editions: $(VENV)/.installed-dev
	$(PY) benchmarks/editions.py $(BENCH_ARGS)

# make bench-actuals [BENCH_ARGS="--scales 10 100 --database postgres"]: the yearly 実績値 sheet.
bench-actuals: $(VENV)/.installed-dev
	$(PY) benchmarks/actual_sheet.py $(BENCH_ARGS)
