"""An inline formset's rows read with a query compiled once per shape (``plan.prepared``).

Django's inline formset filters the inline's queryset by the parent record and reads it: building
and compiling that query (and its prefetches) cost some 0.7 ms a formset on every view of a change
form, several times the database's work. ``PreparedRowsInlineMixin`` reads the same rows with the
same SQL, compiled once per *shape* of the inline's queryset:

- the queryset must be a pristine one of its model but for its order (``order_by``, the model's
  default ordering) and the records read with each row (``select_related``), and it must be
  ordered (Django would otherwise add an order by key); its prefetches (by name) are done on the
  rows as the queryset would do them;
- the shape (``rows_shape``) is the key the compiled query is kept under, with the formset's
  foreign key; the parent's key is the query's one value.

Anything else (a filter, an annotation, ``none()`` for a user who may not see the rows, a foreign
key to another field than the parent's key, a key that is not a whole number) leaves the formset
as Django builds it. The formset's queryset is the queryset Django would hold, with the filter
by the parent deferred (``_defer_next_filter``, as a related manager does) and the rows given as
its result: it is built only if something asks for its query (a clone, ``exists()``...).

tests/admin/test_inline_rows.py compares the rows and the SQL with Django's formset's own.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.db.models import prefetch_related_objects
from django.db.models.constants import LOOKUP_SEP
from django.db.models.fields.related_descriptors import ReverseManyToOneDescriptor
from django.db.models.query import ModelIterable
from django.utils.functional import cached_property

from plan.prepared import BY_KEYS_AT_MOST, kept

#: What a prepared inline's query may hold besides a pristine query of its model.
SHAPING = frozenset({"order_by", "default_ordering", "select_related"})

#: An attribute one of two queries lacks.
_MISSING = object()


def _frozen(value):
    """``select_related`` (True, False or nested dicts) as a key."""
    if isinstance(value, dict):
        return tuple(sorted((name, _frozen(inner)) for name, inner in value.items()))
    return value


def rows_shape(queryset) -> tuple | None:
    """What shapes the query of ``queryset`` filtered by a parent, if it is a pristine queryset of
    its model but for its order, its ``select_related`` and its prefetches by name; else None."""
    if (
        queryset._iterable_class is not ModelIterable
        or queryset._fields is not None
        or queryset._result_cache is not None
        or queryset._deferred_filter is not None
        or queryset._defer_next_filter
        or queryset._known_related_objects
        or queryset._sticky_filter
        or queryset._for_write
        or queryset._hints
        or not all(type(lookup) is str for lookup in queryset._prefetch_related_lookups)
    ):
        return None
    query = queryset.query
    pristine = type(query)(queryset.model)
    # Sorted: the same order in every process (a set's order follows the hash seed). An attribute
    # one side lacks (``_lookup_joins``, set by a filter) is a difference like any other.
    names = sorted((vars(query).keys() | vars(pristine).keys()) - SHAPING)
    try:
        for name in names:
            if isinstance(getattr(type(query), name, None), cached_property):
                continue  # computed from the rest
            if getattr(query, name, _MISSING) != getattr(pristine, name, _MISSING):
                return None
        shape = (
            type(queryset),
            type(query),
            queryset.model,
            tuple(query.order_by),
            query.default_ordering,
            _frozen(query.select_related),
            queryset._prefetch_related_lookups,
        )
        hash(shape)
    except (TypeError, ValueError):
        return None
    return shape


class PreparedRowsInlineMixin:
    """An inline whose formset reads its rows with a prepared query (see the module docstring)."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class PreparedRowsFormSet(formset):
            def __init__(self, *args, **kwargs):
                self._rows_key = None
                queryset = kwargs.get("queryset")
                instance = kwargs.get("instance")
                fk = self.fk
                if (
                    not args
                    and queryset is not None
                    and instance is not None
                    and type(instance.pk) is int
                    and fk.target_field.primary_key
                    and fk.target_field.model is type(instance)._meta.concrete_model
                ):
                    shape = rows_shape(queryset)
                    if shape is not None and queryset.ordered:
                        self._rows_key = ("inline_rows", fk.model, fk.name, *shape)
                        self._rows_base = queryset
                        queryset._defer_next_filter = True  # the filter by the parent
                super().__init__(*args, **kwargs)

            def get_queryset(self):
                if not hasattr(self, "_queryset") and self._rows_key is not None:
                    rows = self._prepared_rows()
                    if rows is not None:
                        queryset = self.queryset
                        queryset._result_cache = rows
                        queryset._prefetch_done = True
                        self._queryset = queryset
                return super().get_queryset()

            def _prepared_rows(self):
                base, fk_name = self._rows_base, self.fk.name

                def build(key):
                    rows = base._chain()
                    rows._prefetch_related_lookups = ()
                    return rows.filter(**{fk_name: key})

                prepared = kept(self._rows_key, build, (int,))
                alias = base.db
                if prepared.compiled(alias) is None:
                    return None
                rows = prepared(self.instance.pk, using=alias)
                for lookup in base._prefetch_related_lookups:
                    if not prefetch_prepared(rows, lookup):
                        prefetch_related_objects(rows, lookup)
                return rows

        PreparedRowsFormSet.__name__ = formset.__name__
        return PreparedRowsFormSet


def _held(objs: list, name: str) -> list | None:
    """The records ``objs`` hold (read with them: ``select_related``) through their foreign key
    ``name``, Nones left out; None if one of them does not hold it."""
    held = []
    for obj in objs:
        try:
            field = obj._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if not (field.many_to_one and field.concrete) or not field.is_cached(obj):
            return None
        record = field.get_cached_value(obj)
        if record is not None:
            held.append(record)
    return held


def prefetch_prepared(rows: list, lookup: str) -> bool:
    """``prefetch_related_objects(rows, lookup)`` with its one query prepared, when ``lookup``
    goes through foreign keys whose records the rows hold (``select_related``) to a reverse
    foreign key (a record's rows: ``kpi__values``) of a pristine queryset: the same query, the
    same rows and caches (each record's manager's queryset holding its rows, each row holding its
    record). False, having done nothing, otherwise."""
    *through, last = lookup.split(LOOKUP_SEP)
    levels = [rows]
    for name in through:
        held = _held(levels[-1], name)
        if held is None:
            return False
        levels.append(held)
    instances = levels[-1]
    if not instances or len({type(obj) for obj in instances}) != 1:
        return False
    descriptor = getattr(type(instances[0]), last, None)
    if type(descriptor) is not ReverseManyToOneDescriptor:
        return False
    field = descriptor.field
    if not field.target_field.primary_key or any(
        last in getattr(obj, "_prefetched_objects_cache", ()) for obj in instances
    ):
        return False
    keys = list(dict.fromkeys(obj.pk for obj in instances))
    related = field.model
    queryset = related._default_manager.get_queryset()
    shape = rows_shape(queryset)
    if (
        shape is None
        or queryset._prefetch_related_lookups
        or len(keys) > BY_KEYS_AT_MOST
        or any(type(k) is not int for k in keys)
    ):
        return False
    queryset._add_hints(instance=instances[0])
    alias, name = queryset.db, field.name

    def build(*given):
        return related._default_manager.get_queryset().filter(**{f"{name}__in": list(given)})

    prepared = kept(("prefetch", related, name, len(keys), *shape), build, [int] * len(keys))
    if prepared.compiled(alias) is None:
        return False
    for objs in levels:
        for obj in objs:
            if not hasattr(obj, "_prefetched_objects_cache"):
                obj._prefetched_objects_cache = {}
    # As Django's ``prefetch_one_level`` and the reverse manager's ``get_prefetch_querysets``.
    by_key = {field.get_foreign_related_value(obj): obj for obj in instances}
    found: dict[tuple, list] = {}
    for record in prepared(*keys, using=alias):
        if not field.is_cached(record):
            field.set_cached_value(record, by_key[field.get_local_related_value(record)])
        found.setdefault(field.get_local_related_value(record), []).append(record)
    cache_name = field.remote_field.cache_name
    for obj in instances:
        queryset = getattr(obj, last).get_queryset()
        queryset._result_cache = found.get(field.get_foreign_related_value(obj), [])
        queryset._prefetch_done = True
        obj._prefetched_objects_cache[cache_name] = queryset
    return True
