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
from plan.prepared import for_user, kept


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
    records = sorted(scope.records)
    parents = sorted(scope.parents)
    labels = tuple(label for label, _pk in records)
    names = tuple((label, attname) for label, attname, _pk in parents)
    values = [
        *(pk for _label, pk in records),
        *(pk for *_names, pk in parents),
        *([exclude_pk] if exclude_pk is not None else []),
    ]

    def build(given: list, who):
        taken_records = frozenset((label, given.pop(0)) for label in labels)
        taken_parents = frozenset((label, attname, given.pop(0)) for label, attname in names)
        excluded = given.pop(0) if exclude_pk is not None else None
        return _build_open_requests(
            RequestScope(records=taken_records, parents=taken_parents), who, excluded
        )

    shape = ("open_requests", labels, names, exclude_pk is not None)
    return for_user(shape, build, values, [int] * len(values), user, using=ChangeRequest.objects.db)


def own_open_request(scope: RequestScope, user) -> ChangeRequest | None:
    """``plan.changes.open_request_for_task(user, scope)``: the user's open request about the
    scope's task, newest first, with its submitter."""
    records = sorted(scope.records)
    labels = tuple(label for label, _pk in records)
    projects, kpis = len(scope.projects), len(scope.kpis)
    keys = [*(pk for _label, pk in records), *sorted(scope.projects), *sorted(scope.kpis)]

    def build(given: list, who):
        taken = RequestScope(
            records=frozenset((label, given.pop(0)) for label in labels),
            projects=frozenset(given.pop(0) for _ in range(projects)),
            kpis=frozenset(given.pop(0) for _ in range(kpis)),
        )
        return open_requests_for_task(who, taken).select_related("submitted_by")[:1]

    shape = ("own_open_request", labels, projects, kpis)
    found = for_user(shape, build, keys, [int] * len(keys), user, using=ChangeRequest.objects.db)
    return found[0] if found else None
