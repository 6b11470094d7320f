"""A project's 「履歴」 page and restoring a past state, and the history rows shared with the audit log."""

from __future__ import annotations

from itertools import chain

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from accounts import permissions
from kpis.models import Kpi, KpiValue, ProjectKpi
from plan import changes
from plan.changes.diff import HISTORY_TYPES, describe_histories
from plan.models import Listing, Measure, PolicyGoal, Project, ProjectBureau

HISTORY_MODELS = (Project, ProjectBureau, Listing, Measure, PolicyGoal, Kpi, KpiValue, ProjectKpi)


def history_records(models, filters=None, limit: int = 2000):
    """Historical rows of several models, newest first, with who proposed and approved them.

    ``filters`` maps a model to a Q on its historical rows; models without one are left out.
    """
    querysets = []
    for model in models:
        queryset = model.history.select_related("history_user", "proposed_by", "approved_by")
        if filters is not None:
            if model not in filters:
                continue
            queryset = queryset.filter(filters[model])
        querysets.append(queryset.order_by("-history_date")[:limit])
    return sorted(
        chain.from_iterable(querysets), key=lambda record: record.history_date, reverse=True
    )


def history_rows(records) -> list[dict]:
    """The rows of a history page: each record with the fields it changed (related records'
    names are loaded once for the page)."""
    records = list(records)
    return [
        {
            "record": record,
            "is_project": record.instance_type is Project,
            "model_name": record.instance_type._meta.verbose_name,
            "type": HISTORY_TYPES.get(record.history_type, record.history_type),
            "object": str(record.instance),
            "fields": fields,
        }
        for record, fields in zip(records, describe_histories(records), strict=True)
    ]


class ProjectHistoryMixin:
    """A project admin's 「履歴」 page and its 「この時点に戻す」 door (a POST that hands the chosen
    version to the change engine's ``project_restore``)."""

    def history_view(self, request, object_id, extra_context=None):
        """The 「履歴」 page of a project: its own changes and those of its bureaus, listings and KPIs."""
        project = get_object_or_404(Project._base_manager, pk=object_id)
        if not self.has_view_permission(request, project):
            raise PermissionDenied
        from django.db.models import Q

        kpi_ids = list(
            ProjectKpi.history.filter(project_id=project.pk)
            .values_list("kpi_id", flat=True)
            .distinct()
        )
        records = history_records(
            HISTORY_MODELS,
            {
                Project: Q(id=project.pk),
                ProjectBureau: Q(project_id=project.pk),
                Listing: Q(project_id=project.pk),
                ProjectKpi: Q(project_id=project.pk),
                Kpi: Q(id__in=kpi_ids),
                KpiValue: Q(kpi_id__in=kpi_ids),
            },
        )
        restorable = permissions.requires_approval(request.user) or permissions.may_apply_directly(
            request.user
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"履歴: {project}",
            "object": project,
            "rows": history_rows(records),
            "restorable": restorable and self.has_change_permission(request, project),
        }
        return TemplateResponse(request, "admin/plan/history.html", context)

    def restore_view(self, request, object_id, history_id):
        """Restore a past version: a change request proposing that version's values (a coordinator's
        is applied at once)."""
        if request.method != "POST":
            raise PermissionDenied
        project = get_object_or_404(Project, pk=object_id)
        if not self.has_change_permission(request, project):
            raise PermissionDenied
        record = get_object_or_404(Project.history, history_id=history_id, id=project.pk)
        change_request = changes.project_restore(
            acting_user=request.user, project=project, record=record
        )
        if change_request is None:
            messages.info(request, "その時点の内容は現在と同じです。")
            return HttpResponseRedirect(reverse("admin:plan_project_history", args=[project.pk]))
        messages.success(
            request,
            f"{timezone.localtime(record.history_date):%Y-%m-%d %H:%M} の状態に戻す変更申請 #{change_request.pk} を作りました。",
        )
        return HttpResponseRedirect(
            reverse("admin:plan_changerequest_change", args=[change_request.pk])
        )
