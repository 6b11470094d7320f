"""Base classes of the plan's admin: permissions from the policy, writes through the change engine."""

from django.contrib import admin, messages
from django.utils.html import format_html_join

from accounts import permissions
from accounts.admin_base import PolicyModelAdmin
from plan.admin.change_form import ChangeRequestAdminMixin
from plan.models import Measure


class PlanContentAdmin(ChangeRequestAdminMixin, PolicyModelAdmin):
    """The plan's records: permissions from the policy, writes through the change engine (plan.changes)."""

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        """A record of a published edition opens read only: say why, above the record."""
        if obj is not None and permissions.is_frozen(self.opts.label_lower, obj):
            edition = permissions.edition_of(self.opts.label_lower, obj)
            messages.info(request, permissions.edition_frozen_refusal(edition))
        return super().render_change_form(request, context, add, change, form_url, obj)


class NormalizedSearchAdmin(PlanContentAdmin):
    """Search through the model's ``search()`` queryset method (NFKC: full- and half-width alike)."""

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.search(search_term), False


def lines(values) -> str:
    return format_html_join("", "{}<br>", ((value,) for value in values))


class MeasureListFilter(admin.RelatedFieldListFilter):
    """The 「基本施策」 filter. Its names include the 「政策目標」, so the goals are read at once."""

    def field_choices(self, field, request, model_admin):
        return [(measure.pk, str(measure)) for measure in Measure.objects.select_related("goal")]
