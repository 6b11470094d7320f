"""Admin for the plan's structure: plans, editions, policy goals and measures."""

from django.contrib import admin
from django.db.models import Count

from accounts.admin_base import PolicyTabularInline
from plan.admin.base import PlanContentAdmin
from plan.admin.reading import GoalReading, MeasureReading
from plan.models import Listing, Measure, Plan, PolicyGoal


@admin.register(Plan)
class PlanAdmin(PlanContentAdmin):
    list_display = ("name", "start_fiscal_year", "end_fiscal_year")

    def change_request_context(self, obj) -> dict:
        return {"edition": None, "title": f"計画「{obj.name}」"}


class MeasureInline(PolicyTabularInline):
    model = Measure
    fields = ("number", "title")
    show_change_link = True


@admin.register(PolicyGoal)
class PolicyGoalAdmin(GoalReading, PlanContentAdmin):
    list_display = ("goal_name", "edition", "display_order", "measure_count")
    list_select_related = ("edition__plan",)
    list_filter = ("edition",)
    search_fields = ("title", "tagline")
    inlines = (MeasureInline,)

    def change_request_context(self, obj) -> dict:
        return {"edition": obj.edition, "title": f"政策目標「{obj.label}」"}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(measure_count=Count("measures"))

    @admin.display(description="政策目標", ordering="display_order")
    def goal_name(self, goal) -> str:
        return goal.label

    @admin.display(description="基本施策数", ordering="measure_count")
    def measure_count(self, goal) -> int:
        return goal.measure_count


class MeasureListingInline(PolicyTabularInline):
    model = Listing
    fields = ("number", "project")
    autocomplete_fields = ("project",)
    ordering = ("number",)


@admin.register(Measure)
class MeasureAdmin(MeasureReading, PlanContentAdmin):
    list_display = ("__str__", "goal", "number", "listing_count")
    list_select_related = ("goal__edition__plan",)
    list_filter = ("goal__edition", "goal")
    search_fields = ("title", "goal__title")
    autocomplete_fields = ("goal",)
    inlines = (MeasureListingInline,)

    def change_request_context(self, obj) -> dict:
        return {"edition": obj.goal.edition, "title": f"基本施策「{obj}」"}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(listing_count=Count("listings"))

    @admin.display(description="掲載事業数", ordering="listing_count")
    def listing_count(self, measure) -> int:
        return measure.listing_count
