"""Where people work, the state of the open change requests about each project or KPI: a column
「変更申請」 (「審査待ち」 / 「差し戻し」) and a filter on the project and KPI lists.

A project's open request is one about it (``ChangeRequest.project``) or holding a change to it; a
KPI's, one about it or holding a change to it or to its baseline or target. 「差し戻し」 wins over
「審査待ち」 (it needs someone's action). Two (a project) or three (a KPI) EXISTS subqueries per
state, in the list's one query.
"""

from __future__ import annotations

import functools

from django.contrib import admin
from django.db.models import Case, CharField, Exists, OuterRef, Q, Value, When

from kpis.models import KpiValue
from plan.models import ChangeItem, ChangeRequest

RETURNED, PENDING = ChangeRequest.Status.RETURNED, ChangeRequest.Status.PENDING


def _open_about(model_label: str, status: str):
    requests = ChangeRequest.objects.filter(status=status)
    items = ChangeItem.objects.filter(change_request__status=status)
    if model_label == "plan.project":
        about = requests.filter(project=OuterRef("pk"))
        changed = items.filter(model_label="plan.project", object_pk=OuterRef("pk"))
        return Exists(about) | Exists(changed)
    about = requests.filter(kpi=OuterRef("pk"))
    # Two EXISTS rather than one with OR: each can use the items' (model_label, object_pk) index
    # (with OR, PostgreSQL scanned every item for each KPI of the page).
    changed = items.filter(model_label="kpis.kpi", object_pk=OuterRef("pk"))
    value_changed = items.filter(
        model_label="kpis.kpivalue",
        object_pk__in=KpiValue.objects.filter(kpi=OuterRef(OuterRef("pk"))).values("pk"),
    )
    return Exists(about) | Exists(changed) | Exists(value_changed)


def _open_keys(model_label: str, status: str) -> Q:
    """The records with an open request of ``status`` about them, as ``pk IN (subquery)``
    conditions: the same records as ``_open_about``, found from the requests' side, so that a
    filter reads the few open requests instead of judging every record of the list (PostgreSQL
    evaluated the column's subqueries for all 5,100 KPIs at ×100). No subquery yields NULL, so
    the conditions can be negated."""
    requests = ChangeRequest.objects.filter(status=status)
    items = ChangeItem.objects.filter(change_request__status=status, object_pk__isnull=False)
    if model_label == "plan.project":
        return Q(pk__in=requests.filter(project__isnull=False).values("project_id")) | Q(
            pk__in=items.filter(model_label="plan.project").values("object_pk")
        )
    values = items.filter(model_label="kpis.kpivalue").values("object_pk")
    return (
        Q(pk__in=requests.filter(kpi__isnull=False).values("kpi_id"))
        | Q(pk__in=items.filter(model_label="kpis.kpi").values("object_pk"))
        | Q(pk__in=KpiValue.objects.filter(pk__in=values).values("kpi_id"))
    )


@functools.cache
def _request_status(model_label: str) -> Case:
    """The expression, built once per model and process: ``annotate`` resolves a copy of it (the
    expression and its subqueries are never changed), and building its four subqueries cost a
    request about as much as compiling them."""
    return Case(
        When(_open_about(model_label, RETURNED), then=Value(RETURNED.value)),
        When(_open_about(model_label, PENDING), then=Value(PENDING.value)),
        default=Value(""),
        output_field=CharField(),
    )


def with_request_status(queryset):
    """Annotate ``request_status``: "returned", "pending" or "" (no open request)."""
    return queryset.annotate(request_status=_request_status(queryset.model._meta.label_lower))


class RequestStatusListFilter(admin.SimpleListFilter):
    title = "変更申請"
    parameter_name = "request"

    def lookups(self, request, model_admin):
        return [(RETURNED.value, RETURNED.label), (PENDING.value, PENDING.label)]

    def queryset(self, request, queryset):
        """The same records as the column's value, without judging every record: 「差し戻し」 wins,
        so 「審査待ち」 leaves out the records with a returned request."""
        label = queryset.model._meta.label_lower
        if self.value() == RETURNED:
            return queryset.filter(_open_keys(label, RETURNED))
        if self.value() == PENDING:
            return queryset.filter(_open_keys(label, PENDING)).exclude(_open_keys(label, RETURNED))
        return queryset


@admin.display(description="変更申請", ordering="request_status")
def request_status_column(_model_admin, obj) -> str:
    """The list column (assigned as a ModelAdmin method: ``request_status = request_status_column``)."""
    return ChangeRequest.Status(obj.request_status).label if obj.request_status else ""
