"""The queries a change form runs on every view, compiled once per shape (``plan.prepared``): the
version's records (the record and each inline's rows) and the open requests touching what the form
shows. The same queries and rows as the querysets they replace; each is kept under a key of
everything that shapes its query besides the values it is run with.
"""

from __future__ import annotations

from django.db import models

from accounts import permissions
from plan.changes import RequestScope, open_requests_for_task, open_requests_touching
from plan.models import ChangeRequest
from plan.prepared import kept, real_user, stand_in, user_key, user_values


def official_record(model: type[models.Model], pk) -> models.Model:
    """``model._base_manager.get(pk=pk)``."""
    if type(pk) is not int:
        return model._base_manager.get(pk=pk)
    rows = kept(("record", model), lambda key: model._base_manager.filter(pk=key), (int,))(
        pk, using=model._base_manager.db
    )
    if len(rows) != 1:
        return model._base_manager.get(pk=pk)  # raises as get() does
    return rows[0]


def rows_of(model: type[models.Model], field_name: str, pk) -> list[models.Model]:
    """``model._base_manager.filter(**{field_name: pk}).order_by("pk")``, as a list."""
    if type(pk) is not int:
        return list(model._base_manager.filter(**{field_name: pk}).order_by("pk"))
    prepared = kept(
        ("rows", model, field_name),
        lambda key: model._base_manager.filter(**{field_name: key}).order_by("pk"),
        (int,),
    )
    return prepared(pk, using=model._base_manager.db)


def _build_open_requests(scope: RequestScope, user, exclude_pk: int | None):
    touching = open_requests_touching(scope).filter(permissions.change_requests_visible_to(user))
    if exclude_pk is not None:
        touching = touching.exclude(pk=exclude_pk)
    return touching.select_related("submitted_by").distinct().order_by("-submitted_at")


def open_requests_shown(scope: RequestScope, user, exclude_pk: int | None) -> list[ChangeRequest]:
    """The open requests touching ``scope`` that ``user`` may see, but ``exclude_pk`` (the user's
    own, shown in a banner of its own), newest first, with their submitters."""
    real = real_user(user)
    records = sorted(scope.records)
    parents = sorted(scope.parents)
    simple = all(type(pk) is int for _label, pk in records) and all(
        type(pk) is int for *_names, pk in parents
    )
    if not simple or type(getattr(real, "pk", None)) is not int:
        return list(_build_open_requests(scope, user, exclude_pk))
    shape = (
        "open_requests",
        tuple(label for label, _pk in records),
        tuple((label, attname) for label, attname, _pk in parents),
        exclude_pk is not None,
        user_key(real),
    )
    values = [
        *(pk for _label, pk in records),
        *(pk for *_names, pk in parents),
        *([exclude_pk] if exclude_pk is not None else []),
        *user_values(real),
    ]

    def build_from(*given):
        given = list(given)
        taken_records = frozenset((label, given.pop(0)) for label in shape[1])
        taken_parents = frozenset((label, attname, given.pop(0)) for label, attname in shape[2])
        excluded = given.pop(0) if shape[3] else None
        who = stand_in(real, given)
        return _build_open_requests(
            RequestScope(records=taken_records, parents=taken_parents), who, excluded
        )

    prepared = kept(shape, build_from, [int] * len(values))
    return prepared(
        *values,
        using=ChangeRequest.objects.db,
        fallback=lambda: _build_open_requests(scope, user, exclude_pk),
    )


def own_open_request(scope: RequestScope, user) -> ChangeRequest | None:
    """``plan.changes.open_request_for_task(user, scope)``: the user's open request about the
    scope's task, newest first, with its submitter."""

    def queryset(scope, user):
        return open_requests_for_task(user, scope).select_related("submitted_by")[:1]

    real = real_user(user)
    records = sorted(scope.records)
    keys = [*(pk for _label, pk in records), *sorted(scope.projects), *sorted(scope.kpis)]
    if any(type(pk) is not int for pk in keys) or type(getattr(real, "pk", None)) is not int:
        found = list(queryset(scope, user))
    else:
        shape = (
            "own_open_request",
            tuple(label for label, _pk in records),
            len(scope.projects),
            len(scope.kpis),
            user_key(real),
        )

        def build_from(*given):
            given = list(given)
            taken = RequestScope(
                records=frozenset((label, given.pop(0)) for label in shape[1]),
                projects=frozenset(given.pop(0) for _ in range(shape[2])),
                kpis=frozenset(given.pop(0) for _ in range(shape[3])),
            )
            return queryset(taken, stand_in(real, given))

        values = [*keys, *user_values(real)]
        found = kept(shape, build_from, [int] * len(values))(
            *values, using=ChangeRequest.objects.db, fallback=lambda: queryset(scope, user)
        )
    return found[0] if found else None
