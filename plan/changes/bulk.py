"""Inserting the new records of one model at once, writing the rows that saving them one by one
would write: the records, then one historical row each (type "+"), built and signalled as
django-simple-history builds them for a save (the same date, user and reason, and
``pre_create_historical_record``, so ``plan.changes.history`` stamps the change request, proposer
and approver the same way).

Both the records and their history rows go through ``plan.changes.inserts.insert_all`` (the rows
``bulk_create`` writes, without its per-value compiler work); the history rows are built from
positional arguments where that gives the row simple-history's keywords give
(``_positional_builder``).

Only for a model whose save does nothing more than Django's: ``save`` and ``save_base`` not
overridden, no multi-table parent, no ``pre_save`` receiver, no ``post_save`` receiver but
django-simple-history's, and no many-to-many history. Any other model is saved one by one
(``bulk_creatable`` says which).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connections, models, router
from django.utils import timezone
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_record, pre_create_historical_record

from plan.changes.inserts import insert_all


def _history_of(model: type[models.Model]) -> tuple[bool, HistoricalRecords | None]:
    """(whether every ``post_save`` receiver of the model is django-simple-history's, and its
    ``HistoricalRecords`` if there is one)."""
    # Django has no public way to list a signal's receivers for a sender. Should its private
    # ``_live_receivers`` change, every model is saved one by one (as before the bulk path).
    try:
        sync_receivers, async_receivers = models.signals.post_save._live_receivers(model)
    except (AttributeError, TypeError, ValueError):
        return False, None
    if async_receivers:
        return False, None
    history = None
    for receiver in sync_receivers:
        owner = getattr(receiver, "__self__", None)
        if not isinstance(owner, HistoricalRecords) or history is not None:
            return False, None
        if getattr(receiver, "__func__", None) is not HistoricalRecords.post_save:
            return False, None
        history = owner
    return True, history


def bulk_creatable(model: type[models.Model]) -> bool:
    """Whether ``create_all`` writes for this model what saving each record would (see above)."""
    if model.save is not models.Model.save or model.save_base is not models.Model.save_base:
        return False
    if model._meta.parents or models.signals.pre_save.has_listeners(model):
        return False
    only_history, history = _history_of(model)
    if not only_history:
        return False
    if history is not None and history.m2m_fields:
        return False
    database = router.db_for_write(model)
    return connections[database].features.can_return_rows_from_bulk_insert


_SPECIAL = ("history_date", "history_type", "history_change_reason")


def _positional_builder(historical_model: type[models.Model], fields: list) -> Callable | None:
    """A function building the historical row of an instance that simple-history builds with
    keyword arguments (``create_historical_record``), from positional ones (Django's faster
    ``Model.__init__``): the same attributes, each foreign key's record set through its descriptor
    as the keyword's is, every other field its default. None (keywords) when the two could
    differ: receivers of ``pre_init``/``post_init`` (they see the arguments), a virtual or
    generated field, or no ``history_user`` foreign key."""
    opts = historical_model._meta
    if models.signals.pre_init.has_listeners(historical_model):
        return None
    if models.signals.post_init.has_listeners(historical_model):
        return None
    concrete = list(opts.concrete_fields)
    if list(opts.fields) != concrete or any(f.generated or f.column is None for f in concrete):
        return None
    user_field = next((f for f in concrete if f.name == "history_user"), None)
    if user_field is None or not user_field.many_to_one:
        return None
    tracked = {field.attname for field in fields}
    if tracked & {field.name for field in concrete if field.attname not in tracked}:
        return None
    layout: list[tuple[str, Any]] = []
    for field in concrete:
        if field.attname in tracked:
            layout.append(("instance", field.attname))
        elif field.name in _SPECIAL:
            layout.append(("given", _SPECIAL.index(field.name)))
        elif field is user_field:
            layout.append(("given", None))
        else:
            layout.append(("default", field))

    def build(instance, history_date, history_user, history_change_reason) -> models.Model:
        given = (history_date, "+", history_change_reason)
        args = []
        for kind, source in layout:
            if kind == "instance":
                args.append(getattr(instance, source))
            elif kind == "given":
                args.append(None if source is None else given[source])
            else:
                args.append(source.get_default())
        row = historical_model(*args)
        row.history_user = history_user  # type: ignore[attr-defined]
        return row

    return build


def create_all(model: type[models.Model], instances: list[models.Model]) -> None:
    """Insert ``instances`` (new, validated records of ``model``, for which ``bulk_creatable``
    holds) and their historical rows: two queries (per batch of the database's size), whatever
    their number. Each instance receives its primary key."""
    if not instances:
        return
    database = router.db_for_write(model)
    insert_all(model, instances, database)
    _, history = _history_of(model)
    if history is None or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    historical_model = getattr(model, history.manager_name).model
    fields = history.fields_included(model)
    relation = getattr(historical_model, "history_relation", None) is not None
    using = database if history.use_base_model_db else None
    build = None if relation else _positional_builder(historical_model, fields)
    rows = []
    for instance in instances:
        if hasattr(instance, "skip_history_when_saving"):
            continue
        # As HistoricalRecords.create_historical_record builds a row for a save ("+": created).
        history_date = getattr(instance, "_history_date", timezone.now())
        history_user = history.get_history_user(instance)
        history_change_reason = history.get_change_reason_for_object(instance, "+", using)
        if build is not None:
            row = build(instance, history_date, history_user, history_change_reason)
        else:
            attributes = {field.attname: getattr(instance, field.attname) for field in fields}
            if relation:
                attributes["history_relation"] = instance
            row = historical_model(
                history_date=history_date,
                history_type="+",
                history_user=history_user,
                history_change_reason=history_change_reason,
                **attributes,
            )
        pre_create_historical_record.send(
            sender=historical_model,
            instance=instance,
            history_date=history_date,
            history_user=history_user,
            history_change_reason=history_change_reason,
            history_instance=row,
            using=using,
        )
        rows.append((instance, row, history_date, history_user, history_change_reason))
    insert_all(historical_model, [row[1] for row in rows], using or database)
    for instance, row, history_date, history_user, history_change_reason in rows:
        post_create_historical_record.send(
            sender=historical_model,
            instance=instance,
            history_instance=row,
            history_date=history_date,
            history_user=history_user,
            history_change_reason=history_change_reason,
            using=using,
        )
