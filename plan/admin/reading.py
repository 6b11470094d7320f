"""Reading views: what someone who may not change a record sees instead of Django's disabled form.

A policy goal lists its measures and their projects; a measure its projects in No order; a project
its bureaus, listings and KPIs. No editor hints (help texts, inline rows' labels, 「閉じる」), no
inputs. Who may read and who may change is the policy's (accounts/permissions.py) as everywhere.

Queries: a fixed number per page, whatever the number of measures, listings or KPIs (a goal page
at most 12 with the admin's own, pinned in tests/admin/test_reading_views.py).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.db.models import Prefetch
from django.template.response import TemplateResponse

from accounts import permissions
from kpis.models import ProjectKpi
from plan.models import Listing, Measure, PolicyGoal, Project, ProjectBureau

LISTINGS = Prefetch(
    "listings",
    queryset=Listing.objects.select_related("project")
    .prefetch_related(
        Prefetch("project__bureau_links", queryset=ProjectBureau.objects.select_related("bureau"))
    )
    .order_by("number"),
)


class ReadingViewMixin:
    """``change_view`` shows the reading view to whoever may view but not change the record."""

    reading_template = ""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id)) if request.method == "GET" else None
        if (
            obj is not None
            and self.has_view_permission(request, obj)
            and not self.has_change_permission(request, obj)
        ):
            if permissions.is_frozen(self.opts.label_lower, obj):
                # Read only because its edition is published: say so, as the change form does.
                edition = permissions.edition_of(self.opts.label_lower, obj)
                messages.info(request, permissions.edition_frozen_refusal(edition))
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": str(obj),
                "object": obj,
                **self.reading_context(obj),
            }
            return TemplateResponse(request, self.reading_template, context)
        return super().change_view(request, object_id, form_url, extra_context)

    def get_object(self, request, object_id, from_field=None):
        """Read once per GET request: ``change_view`` reads the record to choose the view, and the
        change form it hands over to reads it again."""
        if request.method != "GET":
            return super().get_object(request, object_id, from_field)
        read = request.__dict__.setdefault("_records_read", {})
        key = (self.opts.label_lower, str(object_id), from_field)
        if key not in read:
            read[key] = super().get_object(request, object_id, from_field)
        return read[key]

    def reading_context(self, obj) -> dict:
        return {}


class GoalReading(ReadingViewMixin):
    reading_template = "admin/plan/reading/goal.html"

    def reading_context(self, goal: PolicyGoal) -> dict:
        measures = goal.measures.order_by("number").prefetch_related(LISTINGS)
        return {"measures": measures}


class MeasureReading(ReadingViewMixin):
    reading_template = "admin/plan/reading/measure.html"

    def reading_context(self, measure: Measure) -> dict:
        listings = (
            measure.listings.select_related("project")
            .prefetch_related(
                Prefetch(
                    "project__bureau_links",
                    queryset=ProjectBureau.objects.select_related("bureau"),
                )
            )
            .order_by("number")
        )
        return {"listings": listings}


class ProjectReading(ReadingViewMixin):
    reading_template = "admin/plan/reading/project.html"

    def reading_context(self, project: Project) -> dict:
        return {
            "bureaus": project.bureau_links.select_related("bureau").order_by("position"),
            "listings": project.listings.select_related("measure__goal").order_by(
                "measure__goal__display_order", "measure__number"
            ),
            "kpis": [
                {
                    "kpi": link.kpi,
                    "baseline": link.kpi.value_text("baseline"),
                    "target": link.kpi.value_text("target"),
                }
                for link in ProjectKpi.objects.filter(project=project)
                .select_related("kpi")
                .prefetch_related("kpi__values")
                .order_by("position")
            ],
        }
