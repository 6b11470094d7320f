# Two commands for a newcomer, with only python3 and make:
#   make run [PORT=8000]   development server with demo data (db.sqlite3 is kept between runs)
#   make test              the test suite (PYTEST_ARGS="-k eras -x" to narrow it)
#   make lint              ruff
PYTHON ?= python3
PORT ?= 8000
PYTEST_ARGS ?=
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint

run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	PORT=$(PORT) $(PY) manage.py setup_demo
	DEBUG=true $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed-dev
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

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
