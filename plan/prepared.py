"""Querysets compiled once per process and database, run again with other values.

The ORM builds and compiles a query anew on every request: for the few queries a change form runs
on every view (the version's records, the open requests, the 評価票), building and compiling cost
some 0.3–1 ms each, several times the database's work. ``Prepared(build)`` calls ``build`` once per
database with placeholder values (sentinels), compiles it, and finds where each placeholder went
among the SQL's parameters; each later call runs the same SQL with the values in their place, and
reads the rows into model instances as the queryset's ``ModelIterable`` would (``select_related``
included), with the columns' converters found once too (``_Reader``: Django's path through the
compiler finds them, and chains and clones the query, on every run), or into tuples or values for
a ``values_list`` (``ROW_KINDS``; read through the kept compiler, ``read_compiled``).

``build`` must read nothing but its arguments (whole numbers and text) and build the same query
for any of them: what else shapes the query (a model, a field's name, how many keys a list holds)
is the key under which the caller keeps its ``Prepared``. A value the query does not use (its
placeholder reached no parameter) is not needed. A placeholder found in the SQL's text or inside a
parameter of a kind not recognised makes the call fall back to the queryset built with the real
values, as does a query that compiles to nothing (``EmptyResultSet``).

tests/plan/test_prepared.py compares the rows and the SQL with the queryset's own on every use.
"""

from __future__ import annotations

import copy
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.utils.functional import LazyObject, empty

T = TypeVar("T")

#: Placeholders: whole numbers and texts no caller passes.
_INT_BASE = -7_300_000_000_000_000
_TEXT = "\x1fprepared-{}\x1f"


#: Ordinary whole numbers for ``Prepared._same_for_other_values`` (within a small integer field).
_PROBE_BASE = 30_000


def _sentinel(index: int, kind: type) -> object:
    return _TEXT.format(index) if kind is str else _INT_BASE - index


def _mark(sentinel) -> str:
    """What any form of the sentinel shows (its digits, its text without the separators)."""
    return str(sentinel).strip("\x1f")


def _where(param, sentinels: list) -> tuple[int, str] | None:
    """Which sentinel ``param`` carries, and in what form: as is (a whole number of the driver's
    own type, e.g. psycopg's ``Int8`` in a list), JSON text, a JSON wrapper (psycopg's ``Jsonb``)."""
    for index, sentinel in enumerate(sentinels):
        if type(sentinel) is str:
            if type(param) is str and param == sentinel:
                return index, "plain"
            continue
        if isinstance(param, int) and not isinstance(param, bool) and param == sentinel:
            return index, "int"
        if type(param) is str and param == json.dumps(sentinel):
            return index, "json"
        if hasattr(param, "obj") and hasattr(param, "dumps") and param.obj == sentinel:
            return index, "wrapped"
    return None


def _put(param, form: str, value):
    if form == "plain":
        return value
    if form == "int":
        return value if type(param) is int else type(param)(value)
    if form == "json":
        return json.dumps(value)
    wrapped = copy.copy(param)
    wrapped.obj = value
    return wrapped


#: The kinds of rows read as the queryset reads them: model instances (``_Reader``), and
#: ``values_list``'s tuples and its ``flat`` values (``read_compiled``).
ROW_KINDS = (ModelIterable, ValuesListIterable, FlatValuesListIterable)


class NotPrepared(Exception):
    """Raised by a ``build`` that cannot build its query from placeholders: not prepared."""


class _Reader:
    """What ``ModelIterable`` does with a compiled query's rows, its converters found once: the
    rows read whole (``fetchall``), each column converted as ``SQLCompiler.results_iter`` does,
    each row made an instance with its ``select_related`` records and annotations. A queryset
    with known related objects (one read through a related manager) is not read here."""

    def __init__(self, compiler):
        self.klass_info = compiler.klass_info
        self.select = compiler.select
        self.model = self.klass_info["model"]
        fields = self.klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.names = [column[0].target.attname for column in self.select[self.start : self.end]]
        self.annotations = tuple(compiler.annotation_col_map.items())
        self.columns = compiler.col_count if compiler.has_extra_select else None
        converters = compiler.get_converters(
            [column[0] for column in self.select[: compiler.col_count]]
        )
        self.converters = tuple(converters.items())

    def read(self, alias: str, sql: str, params: list) -> list[models.Model]:
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if self.columns is not None:
            rows = [row[: self.columns] for row in rows]
        if self.converters:
            rows = [self._converted(list(row), connection) for row in rows]
        populators = get_related_populators(self.klass_info, self.select, alias)
        found = []
        for row in rows:
            instance = self.model.from_db(alias, self.names, row[self.start : self.end])
            for populator in populators:
                populator.populate(row, instance)
            for name, position in self.annotations:
                setattr(instance, name, row[position])
            found.append(instance)
        return found

    def _converted(self, row: list, connection) -> list:
        for position, (converters, expression) in self.converters:
            value = row[position]
            for converter in converters:
                value = converter(value, expression, connection)
            row[position] = value
        return row


class _Compiled:
    def __init__(self, queryset: models.QuerySet, compiler, sql: str, params: tuple, places: dict):
        self.queryset = queryset
        self.compiler = compiler
        self.sql = sql
        self.params = params
        self.places = places  # parameter position -> (sentinel index, form)
        self.reader = _Reader(compiler) if queryset._iterable_class is ModelIterable else None


class Prepared:
    """``build(*values)``'s queryset, compiled once per database (see the module docstring)."""

    def __init__(self, build: Callable[..., models.QuerySet], kinds: Sequence[type]):
        self.build = build
        self.kinds = tuple(kinds)
        self._compiled: dict[str, _Compiled | None] = {}
        self._lock = threading.Lock()

    def _compile(self, alias: str) -> _Compiled | None:
        sentinels = [_sentinel(index, kind) for index, kind in enumerate(self.kinds)]
        try:
            queryset = self.build(*sentinels)
        except NotPrepared:
            return None
        if (
            queryset._iterable_class not in ROW_KINDS
            or queryset._prefetch_related_lookups
            or queryset._known_related_objects
        ):
            return None
        compiler = queryset.query.get_compiler(using=alias)
        try:
            sql, params = compiler.as_sql()
        except (EmptyResultSet, NotPrepared):
            return None
        places = {}
        for position, param in enumerate(params):
            found = _where(param, sentinels)
            if found is not None:
                places[position] = found
            elif any(_mark(sentinel) in repr(param) for sentinel in sentinels):
                return None  # a value in a form not recognised: not prepared
        if any(_mark(sentinel) in sql for sentinel in sentinels):
            return None  # a value folded into the SQL's text: not prepared
        if not self._same_for_other_values(alias, sql, params, places):
            return None
        return _Compiled(queryset, compiler, sql, tuple(params), places)

    def _same_for_other_values(self, alias: str, sql: str, params, places: dict) -> bool:
        """Whether ``build`` with ordinary values (small numbers, short texts) compiles to the same
        SQL, those values where the placeholders went. The ORM drops a condition whose number is
        out of its field's range (``IntegerFieldOverflow``: a small or positive integer field
        against a placeholder's huge negative number): the SQL written for the placeholders would
        then leave out a condition the real values need. (Where each value went is compared as a
        whole: a build may order its conditions by its values, e.g. through a set.)"""
        probes = [
            _PROBE_BASE + index if kind is int else f"probe-{index}"
            for index, kind in enumerate(self.kinds)
        ]
        try:
            other_sql, other_params = self.build(*probes).query.get_compiler(using=alias).as_sql()
        except (EmptyResultSet, NotPrepared):
            return False
        if other_sql != sql or len(other_params) != len(params):
            return False
        plain = [
            (position, index) for position, (index, form) in places.items() if form != "wrapped"
        ]
        went = sorted(str(other_params[position]) for position, _index in plain)
        return went == sorted(
            json.dumps(probes[index]) if places[position][1] == "json" else str(probes[index])
            for position, index in plain
        )

    def compiled(self, alias: str) -> _Compiled | None:
        if alias not in self._compiled:
            with self._lock:
                if alias not in self._compiled:
                    self._compiled[alias] = self._compile(alias)
        return self._compiled[alias]

    def __call__(self, *values, using: str = "default", fallback=None) -> list[models.Model]:
        """The rows of ``build(*values)``, as ``list(build(*values))`` reads them (or, when it
        is not prepared, of ``fallback()``, the same queryset built otherwise, if given). A value
        not of its kind (None, say, which the ORM writes ``IS NULL``) is not prepared either."""
        typed = len(values) == len(self.kinds) and all(
            type(value) is kind for value, kind in zip(values, self.kinds, strict=True)
        )
        compiled = self.compiled(using) if typed else None
        if compiled is None:
            return list((fallback() if fallback else self.build(*values)).using(using))
        params = list(compiled.params)
        for position, (index, form) in compiled.places.items():
            params[position] = _put(params[position], form, values[index])
        if compiled.reader is not None:
            return compiled.reader.read(using, compiled.sql, params)
        return read_compiled(compiled.queryset, compiled.compiler, compiled.sql, params, using)


def read_compiled(queryset: models.QuerySet, compiler, sql: str, params, using: str) -> list:
    """``queryset``'s rows (model instances or ``values_list``'s), read with ``sql`` and
    ``params`` through ``compiler``: the query's compiler and the SQL it wrote (``as_sql``), kept
    from an earlier compiling, so the query is neither built nor compiled again."""
    compiler = copy.copy(compiler)
    compiler.connection = connections[using]
    written = (sql, tuple(params))
    compiler.as_sql = lambda *args, **kwargs: written
    queryset = queryset._chain()
    queryset.query.get_compiler = lambda *args, **kwargs: compiler
    return list(queryset.using(using))


_SHAPES_LOCK = threading.Lock()


def remembered(shapes: OrderedDict, key, make: Callable[[], T], at_most: int) -> T:
    """``shapes[key]``, made by ``make()`` and kept if absent; at most ``at_most`` kept, the
    least recently used forgotten first (a process's compiled queries: a bound, and what is in use
    stays)."""
    with _SHAPES_LOCK:
        value = shapes.get(key)
        if value is not None:
            shapes.move_to_end(key)
            return value
    value = make()
    with _SHAPES_LOCK:
        value = shapes.setdefault(key, value)
        while len(shapes) > at_most:
            shapes.popitem(last=False)
    return value


_KEPT: OrderedDict[tuple, Prepared] = OrderedDict()
#: How many shapes are kept at most: the change forms' few, the lists' cells (a shape per number
#: of rows on a page), the 履歴's.
KEPT_AT_MOST = 1000


def kept(key: tuple, build: Callable[..., models.QuerySet], kinds: Sequence[type]) -> Prepared:
    """The ``Prepared(build, kinds)`` kept for the process under ``key``: everything that shapes
    ``build``'s query besides its values (see the module docstring)."""
    return remembered(_KEPT, key, lambda: Prepared(build, kinds), KEPT_AT_MOST)


#: The most keys ``by_keys`` reads by a query compiled for their number (a shape per number of
#: keys; more are read as the ORM reads them).
BY_KEYS_AT_MOST = 32


def by_keys(
    model: type[models.Model], keys, related: Sequence[str] | None = ()
) -> dict[object, models.Model]:
    """``model._base_manager.select_related(*related).order_by().in_bulk(keys)`` (every relation
    with ``related=None``, as ``select_related()``; none with ``()``), by a query compiled once per
    model, relations and number of keys when they are whole numbers, at most ``BY_KEYS_AT_MOST``."""
    keys = list(dict.fromkeys(keys))

    def chosen() -> models.QuerySet:
        rows = model._base_manager.all()
        if related is None:
            return rows.select_related().order_by()
        return (rows.select_related(*related) if related else rows).order_by()

    if not keys:
        return {}

    def build(*values) -> models.QuerySet:
        return chosen().filter(pk__in=values)

    name = ("by_keys", model, None if related is None else tuple(related))
    rows = read_by_keys(
        name, build, keys, at_most=BY_KEYS_AT_MOST, fallback=lambda: chosen().in_bulk(keys).values()
    )
    return {row.pk: row for row in rows}


def read_by_keys(
    name: str | tuple,
    build: Callable[..., models.QuerySet],
    keys: Sequence,
    *,
    at_most: int | None = None,
    fallback: Callable[[], Iterable] | None = None,
) -> list:
    """``build(*keys)``'s rows, prepared under ``name`` (a text, or a tuple of what shapes the
    query) and the number of keys (what shapes a query of ``pk IN (...)``) when the keys are whole
    numbers, at most ``at_most`` (any number with None); else read as the ORM reads them
    (``fallback()``, or ``build(*keys)``). The cells a list's page reads for its rows' keys, the
    records ``by_keys`` reads, the versions a 履歴 compares."""
    keys = list(keys)
    if (at_most is not None and len(keys) > at_most) or any(type(key) is not int for key in keys):
        return list(fallback() if fallback is not None else build(*keys))
    shape = (*name, len(keys)) if isinstance(name, tuple) else (name, len(keys))
    return kept(shape, build, [int] * len(keys))(*keys)


# --- A user as placeholders: its key and its bureaus' keys -------------------------------------


class _Unread:
    """The bureaus of a user whose bureaus were not read yet: a query that reads them is not
    prepared under a key that lacks them (``NotPrepared``)."""

    def __iter__(self):
        raise NotPrepared

    __len__ = __contains__ = __bool__ = __and__ = __rand__ = __iter__


def real_user(user):
    """The user behind ``request.user`` (a lazy object)."""
    if isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        return user._wrapped
    return user


def _bureaus(user) -> list[int] | None:
    known = getattr(user, "_policy_bureau_ids", None)  # accounts.policy_facts.user_bureau_ids
    return None if known is None else sorted(known)


#: The user's fields and properties ``user_key`` and ``user_values`` carry: everything the policy's
#: filters may read of a user for a prepared query to be right for every user of the same key.
#: tests/plan/test_prepared.py records what the filters prepared here read, for every kind of user,
#: and fails when they read anything else (then add it to ``user_key``, and here).
USER_ATTRIBUTES_KEYED = frozenset(
    {"id", "pk", "is_authenticated", "is_active", "is_superuser", "role"}
)


def user_key(user) -> tuple:
    """What the policy's filters (accounts/permissions.py) read of a user besides its key and its
    bureaus' keys, which a prepared query takes as values (``user_values``): its class, whether it
    is signed in and active, a superuser, its role; and the number of its bureaus, when read."""
    bureaus = _bureaus(user)
    return (
        user.__class__,
        bool(user.is_authenticated),
        user.is_active,
        user.is_superuser,
        user.role,
        None if bureaus is None else len(bureaus),
    )


def user_values(user) -> list[int]:
    """The user's key and its bureaus' keys (when read), in ``stand_in``'s order."""
    return [user.pk, *(_bureaus(user) or ())]


def stand_in(user, given: list):
    """The user with the key and bureaus taken from ``given`` (``user_values``' placeholders)."""
    other = copy.copy(user)
    other.pk = given.pop(0)
    bureaus = _bureaus(user)
    other._policy_bureau_ids = (
        _Unread() if bureaus is None else {given.pop(0) for _bureau in bureaus}
    )
    return other


def for_user(
    shape: tuple,
    build: Callable[[list, object], models.QuerySet],
    values: Sequence,
    kinds: Sequence[type],
    user,
    *,
    using: str,
) -> list[models.Model]:
    """``list(build(values, user))`` (``build`` reads the policy's filters for ``user``) by a query
    compiled once per ``shape`` (what shapes the query besides ``values``) and kind of user
    (``user_key``): the user's key and bureaus' keys are values too (``user_values``), and
    ``build`` is given a stand-in carrying the placeholders (``stand_in``). Read as the ORM reads
    it when a value is not of its kind or the user has no whole-number key."""
    real = real_user(user)
    simple = len(values) == len(kinds) and all(
        type(value) is kind for value, kind in zip(values, kinds, strict=True)
    )
    if not simple or type(getattr(real, "pk", None)) is not int:
        return list(build(list(values), user))
    own = user_values(real)

    def build_from(*given):
        return build(list(given[: len(values)]), stand_in(real, list(given[len(values) :])))

    prepared = kept((*shape, user_key(real)), build_from, [*kinds, *[int] * len(own)])
    return prepared(*values, *own, using=using, fallback=lambda: build(list(values), user))
