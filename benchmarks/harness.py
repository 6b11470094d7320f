"""What the benchmarks share: a throwaway database per worker process, the worker's set-up, the
2024 edition they start from, and the parent process running one worker per database.

Each benchmark runs itself again as a worker (``--worker KIND --result-file PATH``) for each
database, so that every database gets a fresh process and Django is set up once per process.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"
#: Databases a benchmark must never create, connect to for its work, or drop.
PROTECTED_DATABASES = frozenset({"kitakyushu_env_plan", "test_kitakyushu_env_plan"})


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def throwaway_database(
    kind: str, postgres_url: str, *, prefix: str, locale: str | None = None
) -> Iterator[str]:
    """A DATABASE_URL for a database made for this process, removed at the end (also on failure).

    ``kind`` "sqlite" is a file in a temporary folder; any other kind is a PostgreSQL database
    created through ``postgres_url`` (with ``locale`` as its LOCALE, when given)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix=prefix) as directory:
            yield f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
        return

    import psycopg
    from psycopg import sql

    server = urlsplit(postgres_url)
    if server.path.lstrip("/") in PROTECTED_DATABASES:
        raise SystemExit(f"--postgres-url must not name {server.path.lstrip('/')}.")
    name = f"{prefix}{os.getpid()}"
    assert name not in PROTECTED_DATABASES
    create = sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(
        sql.Identifier(name)
    )
    if locale:
        create = sql.SQL("{} LOCALE {}").format(create, sql.Literal(locale))
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(create)
    try:
        yield urlunsplit(server._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        log(f"[{kind}] dropped database {name}")


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)


def in_worker(
    kind: str,
    postgres_url: str,
    measure: Callable[[], dict],
    *,
    prefix: str,
    settings_module: str,
    locale: str | None = None,
) -> dict:
    """Run ``measure`` in this worker process, against a throwaway database of ``kind``, with
    Django set up for it (DEBUG off). SIGTERM still removes the database."""
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    with throwaway_database(kind, postgres_url, prefix=prefix, locale=locale) as url:
        os.environ["DATABASE_URL"] = url
        os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
        os.environ.pop("DEBUG", None)
        import django

        django.setup()
        from django.db import connections

        try:
            return measure()
        finally:
            connections.close_all()


def load_edition(kind: str) -> tuple[Any, str]:
    """Migrate the worker's empty database and load the 2024 edition: (the edition, the database
    server's name and version)."""
    from django.core.management import call_command
    from django.db import connection

    from accounts.management.commands.setup_demo import EDITION_FIXTURE
    from plan.models import Edition

    start = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("loaddata", str(EDITION_FIXTURE), verbosity=0)
    edition = Edition.objects.get(fiscal_year=2024)
    log(f"[{kind}] migrated and loaded the 2024 edition in {time.perf_counter() - start:.1f} s")
    if connection.vendor == "postgresql":
        version = connection.pg_version
        return edition, f"PostgreSQL {version // 10000}.{version % 10000}"
    import sqlite3

    return edition, f"SQLite {sqlite3.sqlite_version}"


def run_workers(
    script: str,
    kinds: Sequence[str],
    scales: Sequence[int],
    worker_arguments: Sequence[str],
    on_result: Callable[[dict], None],
    *,
    prefix: str,
) -> list[str]:
    """Run ``script`` as a worker per database, one after the other, handing each result to
    ``on_result``; return the databases that failed."""
    failed = []
    with tempfile.TemporaryDirectory(prefix=prefix) as directory:
        for kind in kinds:
            result_file = Path(directory) / f"{kind}.json"
            command = [
                sys.executable,
                str(Path(script).resolve()),
                "--worker",
                kind,
                "--result-file",
                str(result_file),
                "--scales",
                *map(str, scales),
                *worker_arguments,
            ]
            log(f"[{kind}] measuring scales {', '.join(f'×{s}' for s in sorted(scales))}…")
            completed = subprocess.run(command, cwd=ROOT, check=False)
            if completed.returncode != 0 or not result_file.exists():
                failed.append(kind)
                log(f"[{kind}] the measurement failed (exit status {completed.returncode})")
                continue
            on_result(json.loads(result_file.read_text(encoding="utf-8")))
    return failed


def write_result(path: str, result: dict) -> int:
    """A worker's last step: its result, as JSON, for the parent process."""
    Path(path).write_text(json.dumps(result), encoding="utf-8")
    return 0


def add_common_arguments(
    parser: argparse.ArgumentParser, *, scales: Sequence[int], kinds: Sequence[str]
) -> None:
    """The options every benchmark takes: the scales, the PostgreSQL server, and the worker's
    own (hidden) ones."""
    parser.add_argument("--scales", type=int, nargs="+", default=list(scales))
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="a server and a database to connect to for CREATE/DROP DATABASE "
        "(default: $BENCH_POSTGRES_URL or %(default)s)",
    )
    parser.add_argument("--worker", choices=kinds, help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
