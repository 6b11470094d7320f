"""Inserting many new records of one model with the SQL and values Django's ``bulk_create`` would
use, without its per-value compiler work (placeholders, expressions, parameter lists: several
microseconds a value, about 220,000 values for a ×100 実績値 sheet's confirmation).

Each row's values are those of Django's ``SQLInsertCompiler``: every concrete field but the
automatic primary key, ``field.get_db_prep_save(field.pre_save(obj, True), connection)``, in
``_meta.concrete_fields`` order. The statement is Django's own: ``INSERT INTO`` the table, the
backend's ``bulk_insert_sql`` (multi-row ``VALUES`` on SQLite; PostgreSQL's ``UNNEST`` of one
array per column, as its compiler does for more than one row), ``RETURNING`` the primary key, in
batches of the backend's ``bulk_batch_size`` (SQLite's 999 variables a statement). Each instance
receives its key and is marked saved (``_state``) as ``bulk_create`` marks it.

``insert_all`` falls back to ``bulk_create`` (the same rows, Django's way) unless every condition
under which the two agree holds (``_plan``):

- SQLite or PostgreSQL, with ``can_return_rows_from_bulk_insert`` (SQLite ≥ 3.35);
- no multi-table parent, no ``order_with_respect_to``;
- an automatic primary key (``AutoField`` and kin) without a default, the only returned column
  (``db_returning_fields``), left unset on every instance;
- no generated field, no ``db_default``, no field with ``get_placeholder``;
- no value that is an expression (``resolve_expression`` before, ``as_sql`` after preparing):
  checked on every value, before anything is inserted.
"""

from __future__ import annotations

import datetime
import functools
import operator
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connections, models, transaction
from django.db.models.fields import AutoField

#: Value types that are never expressions (checked by exact type; anything else is asked).
_PLAIN = frozenset(
    {
        str,
        int,
        bool,
        float,
        type(None),
        Decimal,
        datetime.date,
        datetime.datetime,
        datetime.time,
        datetime.timedelta,
        uuid.UUID,
        dict,
        list,
    }
)

_VENDORS = ("sqlite", "postgresql")


@dataclass(frozen=True)
class _Plan:
    fields: list[models.Field]
    getters: list[Callable[[models.Model], Any]]
    preparers: list[Callable[..., Any]]
    #: Whether the field's preparation leaves a ``str`` or None as it is (``_text_as_is``).
    as_is: list[bool]
    head: str
    returning: str
    unnest_types: list[str] | None


def _getter(field: models.Field) -> Callable[[models.Model], Any]:
    """``field.pre_save(obj, add=True)``; Field's own is the attribute (read directly)."""
    if type(field).pre_save is models.Field.pre_save:
        return operator.attrgetter(field.attname)
    return lambda obj: field.pre_save(obj, True)


_TEXT_METHODS: dict[str, set[Any]] = {
    "get_db_prep_save": {models.Field.get_db_prep_save},
    "get_db_prep_value": {models.Field.get_db_prep_value},
    "get_prep_value": {models.CharField.get_prep_value, models.TextField.get_prep_value},
    "to_python": {models.CharField.to_python, models.TextField.to_python},
}


def _text_as_is(field: models.Field) -> bool:
    """Whether ``get_db_prep_save`` returns a ``str`` or None unchanged: Django's own CharField
    and TextField (Field's get_db_prep_save and get_db_prep_value, whose get_prep_value is the
    value given to to_python, which returns a str or None as it is), not overridden."""
    return isinstance(field, models.CharField | models.TextField) and all(
        getattr(type(field), name) in methods for name, methods in _TEXT_METHODS.items()
    )


@functools.cache
def _plan(model: type[models.Model], using: str) -> _Plan | None:
    """How to insert rows of ``model`` on ``using``, or None where bulk_create must do it (found
    once per process)."""
    connection = connections[using]
    opts = model._meta
    if connection.vendor not in _VENDORS:
        return None
    if not connection.features.can_return_rows_from_bulk_insert:
        return None
    if opts.parents or opts.order_with_respect_to is not None:
        return None
    pk = opts.pk
    if not isinstance(pk, AutoField) or pk.has_default() or opts.db_returning_fields != [pk]:
        return None
    concrete: list[Any] = list(opts.concrete_fields)
    if any(
        field.generated or field.has_db_default() or hasattr(field, "get_placeholder")
        for field in concrete
    ):
        return None
    fields: list[Any] = [field for field in concrete if not isinstance(field, AutoField)]
    if not fields:
        return None
    qn = connection.ops.quote_name
    statement = connection.ops.insert_statement(on_conflict=None)
    columns = ", ".join(qn(field.column) for field in fields)
    head = f"{statement} {qn(opts.db_table)} ({columns})"
    returning, returning_params = connection.ops.return_insert_columns([pk])
    if not returning or returning_params:
        return None
    unnest_types = None
    if connection.vendor == "postgresql" and all(
        (field.target_field if field.is_relation else field).get_internal_type()
        in connection.data_types
        for field in fields
    ):
        # As django.db.backends.postgresql.compiler.SQLInsertCompiler.assemble_as_sql.
        unnest_types = [field.db_type(connection).split("(")[0] for field in fields]
    return _Plan(
        fields=fields,
        getters=[_getter(field) for field in fields],
        preparers=[field.get_db_prep_save for field in fields],
        as_is=[_text_as_is(field) for field in fields],
        head=head,
        returning=returning,
        unnest_types=unnest_types,
    )


def _rows(plan: _Plan, instances: Sequence[models.Model], connection) -> list[list[Any]] | None:
    """Every instance's values as the insert compiler prepares them, or None if one is an
    expression (bulk_create compiles those)."""
    steps = list(zip(plan.getters, plan.preparers, plan.as_is, strict=True))
    rows = []
    for instance in instances:
        row = []
        for get, prepare, as_is in steps:
            value = get(instance)
            if as_is and (value.__class__ is str or value is None):
                row.append(value)
                continue
            if value.__class__ not in _PLAIN and hasattr(value, "resolve_expression"):
                return None
            value = prepare(value, connection=connection)
            if value.__class__ not in _PLAIN and hasattr(value, "as_sql"):
                return None
            row.append(value)
        rows.append(row)
    return rows


def insert_all(model: type[models.Model], instances: Sequence[Any], using: str) -> None:
    """Insert ``instances`` (new records of ``model``) as ``bulk_create`` would, on ``using``;
    each receives its primary key."""
    if not instances:
        return
    plan = _plan(model, using)
    connection = connections[using]
    rows = None
    if plan is not None and not any(instance._is_pk_set() for instance in instances):
        for instance in instances:
            instance._prepare_related_fields_for_save(operation_name="bulk_create")
        rows = _rows(plan, instances, connection)
    if plan is None or rows is None:
        model._base_manager.using(using).bulk_create(instances)
        return
    pk = model._meta.pk
    column = pk.get_col(model._meta.db_table)
    converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
    size = max(connection.ops.bulk_batch_size(plan.fields, instances), 1)
    with transaction.atomic(using=using, savepoint=False), connection.cursor() as cursor:
        for start in range(0, len(instances), size):
            batch, values = instances[start : start + size], rows[start : start + size]
            sql, params = _statement(plan, values, connection)
            cursor.execute(sql, params)
            keys = cursor.fetchall()
            if len(keys) != len(batch):
                raise RuntimeError("insert_all: the database returned a key per row")
            for instance, (key,) in zip(batch, keys, strict=True):
                for converter in converters:
                    key = converter(key, column, connection)
                setattr(instance, pk.attname, key)
                instance._state.adding = False
                instance._state.db = using


def _statement(plan: _Plan, values: list[list[Any]], connection) -> tuple[str, tuple]:
    """The statement and parameters of one batch, as Django's insert compiler writes them."""
    if plan.unnest_types is not None and len(values) > 1:
        from django.db.backends.postgresql.compiler import InsertUnnest

        placeholders: Any = InsertUnnest([f"(%s)::{name}[]" for name in plan.unnest_types])
        params: tuple = tuple(list(column) for column in zip(*values, strict=True))
    else:
        row = ["%s"] * len(plan.fields)
        placeholders = [row] * len(values)
        params = tuple(value for row_values in values for value in row_values)
    body = connection.ops.bulk_insert_sql(plan.fields, placeholders)
    return f"{plan.head} {body} {plan.returning}", params
