"""A *stamp* of the state of some tables, read from the database in one query, and values kept in
Django's cache with the stamp they were computed at: a page that derives something costly from
those tables computes it again only when the stamp moved.

``database_stamp(historied, threads)`` reads, for each model of ``historied`` (models with
django-simple-history's ``history``): the largest ``history_id`` of its history table, the time of
that newest historical row, and the largest id of the table itself; for each model of ``threads``
(tables whose rows are only added, each with a time column): the largest id, the time of that
newest row and the number of rows. Every write of the application to a historied model leaves a
historical row (the change engine saves and deletes model instances, copying an edition writes its
history in bulk, ``setup_demo`` records the history after ``loaddata``), so any change moves the
stamp:

- a new, changed or deleted record adds a historical row with a larger ``history_id``;
- the time of the newest row tells apart two states that reached the same ids from a common past
  (a database restored from a backup and written again, or tests rolled back);
- the tables' own largest ids catch rows inserted without history (``loaddata``, bulk inserts);
- a thread's new row moves its largest id, a deleted one its count;
- on PostgreSQL a transaction may commit a smaller id after another committed a larger one, which
  the largest id would miss: while another transaction holds a write lock on one of these tables
  (``pg_locks``), the stamp is None and nothing is kept (the value is computed as it is). SQLite
  writes one transaction at a time, so its ids follow the order of the commits.

Not seen: a row changed in place without history (a queryset's ``update()`` or raw SQL; the
application does neither outside migrations), and a thread's row changed in place.

The stamp derives from the database alone, so several application servers sharing one database,
each with its own cache, agree on it; a server's first request after a change computes again. Read
the stamp *before* the data, so that an entry is never older than its stamp. ``StampedCache`` keeps
one entry per key (the latest computation), so the cache holds one entry per key whatever the
number of changes; its prefix should carry a fingerprint of the code that computes (``fingerprint``),
so that a server running other code never reads another's entries.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import TypeVar, cast

from django.core.cache import cache
from django.db import connection, models

T = TypeVar("T")


def fingerprint(*modules: ModuleType) -> str:
    """A digest of the modules' source."""
    digest = hashlib.sha256(b"".join(Path(str(m.__file__)).read_bytes() for m in modules))
    return digest.hexdigest()[:12]


def database_stamp(
    historied: Sequence[type[models.Model]],
    threads: Sequence[tuple[type[models.Model], str]] = (),
) -> str | None:
    """The state of the tables of ``historied`` and ``threads`` (model, its time field), in one
    query; None while another transaction is writing to one of them on PostgreSQL (see the module
    docstring)."""
    sql, tables = _stamp_query(tuple(historied), tuple(threads), connection.vendor)
    params: list = [list(tables)] if connection.vendor == "postgresql" else []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = sorted(cursor.fetchall())
    if rows[0][0] == -1:
        if rows[0][1]:
            return None
        rows = rows[1:]
    return ";".join(",".join(str(value) for value in row[1:]) for row in rows)


@functools.cache
def _stamp_query(
    historied: tuple[type[models.Model], ...],
    threads: tuple[tuple[type[models.Model], str], ...],
    vendor: str,
) -> tuple[str, tuple[str, ...]]:
    """``database_stamp``'s query and the tables it reads, written once per process for each set
    of tables (reading ``model.history`` makes django-simple-history build a manager class, about
    a tenth of a millisecond each)."""
    quote = connection.ops.quote_name
    tables = []
    parts = []
    for number, model in enumerate(historied):
        history = model.history.model._meta.db_table  # type: ignore[attr-defined]
        table, key = model._meta.db_table, model._meta.pk.column
        tables += [history, table]
        parts.append(
            f"SELECT {number}, MAX(history_id), "
            f"(SELECT history_date FROM {quote(history)} ORDER BY history_id DESC LIMIT 1), "
            f"(SELECT MAX({quote(key)}) FROM {quote(table)}) FROM {quote(history)}"
        )
    for number, (model, time_field) in enumerate(threads, start=len(historied)):
        table, key = model._meta.db_table, model._meta.pk.column
        time = str(cast(models.Field, model._meta.get_field(time_field)).column)
        tables.append(table)
        parts.append(
            f"SELECT {number}, MAX({quote(key)}), "
            f"(SELECT {quote(time)} FROM {quote(table)} ORDER BY {quote(key)} DESC LIMIT 1), "
            f"COUNT(*) FROM {quote(table)}"
        )
    if vendor == "postgresql":
        parts.append(
            "SELECT -1, COUNT(*), NULL, NULL FROM pg_locks WHERE locktype = 'relation' "
            "AND mode = 'RowExclusiveLock' AND pid <> pg_backend_pid() "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND relation = ANY(%s::regclass[])"
        )
    return " UNION ALL ".join(parts), tuple(tables)


#: How long a kept value stays in Django's cache: the stamp, not the timeout, decides whether it is
#: current; the timeout only lets the cache forget what nobody asked for in a while.
TIMEOUT = 60 * 60


class StampedCache:
    """Values kept in Django's cache under ``prefix``, each with the stamp it was computed at."""

    def __init__(self, prefix: str, timeout: int = TIMEOUT) -> None:
        self.prefix, self.timeout = prefix, timeout

    def cached(self, key: str, stamp: str | None, compute: Callable[[], T]) -> T:
        """The value kept under ``key`` if it was computed at ``stamp``, else ``compute()`` (kept,
        unless ``stamp`` is None)."""
        if stamp is None:
            return compute()
        entry = self._entry(key, stamp)
        if entry is not None:
            return entry[1]
        value = compute()
        self.keep(key, stamp, value)
        return value

    def _entry(self, key: str, stamp: str) -> tuple | None:
        entry = cache.get(f"{self.prefix}:{key}")
        return entry if entry is not None and entry[0] == stamp else None

    def kept(self, key: str, stamp: str | None):
        """The value kept under ``key`` if it was computed at ``stamp``, else None."""
        entry = None if stamp is None else self._entry(key, stamp)
        return None if entry is None else entry[1]

    def keep(self, key: str, stamp: str | None, value: object) -> None:
        """Keep ``value``, computed at ``stamp``, under ``key`` (replacing what was there);
        nothing when ``stamp`` is None."""
        if stamp is not None:
            cache.set(f"{self.prefix}:{key}", (stamp, value), self.timeout)
