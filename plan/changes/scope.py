"""One task, one request: which open request of a staff member a new save joins, and which of its
items the save replaces.

A staff member's open (「審査待ち」 or 「差し戻し」) changes to one project and its KPIs gather into one
change request until it is decided: saving the project's form, then one of its KPIs' forms, amends
the same request. A form shows its record and the inline rows under it, starting from the values
the open request proposes; saving it again replaces the request's items on those records (the
form showed them, so what it sends is the whole proposal for them) and keeps every other item.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q

from plan.models import ChangeItem, ChangeRequest


@dataclass(frozen=True)
class RequestScope:
    """What one form shows and the task it belongs to.

    - ``records``: (model label, pk) of the form's record and of every inline row it shows;
    - ``parents``: (inline model label, foreign key attname, pk): a new row of that model whose key
      points at pk would be shown by the form too (as an extra inline row);
    - ``projects`` and ``kpis``: the task: the project and its KPIs (or the KPI and its projects).
    """

    records: frozenset[tuple[str, int]] = field(default_factory=frozenset)
    parents: frozenset[tuple[str, str, int]] = field(default_factory=frozenset)
    projects: frozenset[int] = field(default_factory=frozenset)
    kpis: frozenset[int] = field(default_factory=frozenset)

    def covers(self, item: ChangeItem) -> bool:
        """Whether the form shows ``item`` (so a save of the form replaces it)."""
        if item.object_pk is not None:
            return (item.model_label, item.object_pk) in self.records
        return any(
            item.model_label == label and item.proposed.get(attname) == pk
            for label, attname, pk in self.parents
        )


def _touches(records: Iterable[tuple[str, int]]) -> Q:
    by_label: dict[str, set[int]] = {}
    for label, pk in records:
        by_label.setdefault(label, set()).add(pk)
    condition = Q(pk__in=[])
    for label, pks in by_label.items():
        condition |= Q(model_label=label, object_pk__in=pks)
    return condition


def open_requests_touching(scope: RequestScope):
    """Open requests (anyone's) holding a change to a record the form shows, or a new row of it."""
    touching = ChangeItem.objects.filter(_touches(scope.records))
    for label, attname, pk in scope.parents:
        touching = touching | ChangeItem.objects.filter(
            model_label=label, object_pk__isnull=True, **{f"proposed__{attname}": pk}
        )
    return ChangeRequest.objects.open().filter(pk__in=touching.values("change_request"))


def open_requests_for_task(user, scope: RequestScope):
    """The user's open requests about the scope's task (``open_request_for_task``), newest first."""
    task_records = [
        *scope.records,
        *(("plan.project", pk) for pk in scope.projects),
        *(("kpis.kpi", pk) for pk in scope.kpis),
    ]
    touching = ChangeItem.objects.filter(_touches(task_records)).values("change_request")
    return (
        ChangeRequest.objects.open()
        .filter(submitted_by=user)
        .filter(Q(project_id__in=scope.projects) | Q(kpi_id__in=scope.kpis) | Q(pk__in=touching))
        .order_by("-submitted_at", "-pk")
    )


def open_request_for_task(user, scope: RequestScope, *, lock: bool = False) -> ChangeRequest | None:
    """The user's open request (newest first) about the scope's task: one about its project or one
    of its KPIs, or holding a change to a record the form shows. At most two queries."""
    queryset = open_requests_for_task(user, scope)
    if lock:
        candidate = queryset.values_list("pk", flat=True).first()
        if candidate is None:
            return None
        return ChangeRequest.objects.select_for_update().filter(pk=candidate).open().first()
    return queryset.select_related("submitted_by").first()
