"""Base classes of the plan's admin: permissions from the policy, writes through the change engine."""

from django.contrib import admin, messages
from django.contrib.admin.utils import lookup_spawns_duplicates
from django.core.paginator import Paginator
from django.db.models.sql.where import WhereNode
from django.utils.functional import cached_property
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

from accounts import permissions
from accounts.admin_base import PolicyChangeList, PolicyModelAdmin
from plan.admin.change_form import ChangeRequestAdminMixin
from plan.admin.choices import with_prepared_choices
from plan.models import Edition, Measure


class PlanContentAdmin(ChangeRequestAdminMixin, PolicyModelAdmin):
    """The plan's records: permissions from the policy, writes through the change engine (plan.changes)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """An edition's name names its plan: the choices of an edition are read with their plan
        (one query, not one more per edition). A select's choices are read prepared
        (``plan.admin.choices``)."""
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.related_model is Edition and hasattr(formfield, "queryset"):
            formfield.queryset = formfield.queryset.select_related("plan")
        return with_prepared_choices(formfield)

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
    """Each value escaped, followed by ``<br>``: ``format_html_join("", "{}<br>", ...)``'s HTML,
    without a ``format_html`` per value (a list cell per row)."""
    return SafeString("".join([f"{conditional_escape(value)}<br>" for value in values]))


class SubqueryRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A filter on a related field across a to-many relation (「政策目標」「所管局」) that filters by
    a subquery of the matching records' keys, so the list needs no DISTINCT over its rows."""

    def queryset(self, request, queryset):
        matching = super().queryset(request, queryset.model._default_manager.all())
        if matching.query.where:
            return queryset.filter(pk__in=matching.values("pk"))
        return queryset


class SubqueryFilterChangeList(PolicyChangeList):
    """A changelist whose to-many filters filter by subquery (``SubqueryRelatedFieldListFilter``):
    its rows are distinct unless another parameter or the search spans a to-many relation."""

    def get_filters(self, request):
        specs, has_filters, remaining, duplicates, active = super().get_filters(request)
        if duplicates:
            joined = [
                spec.field_path
                for spec in specs
                if isinstance(spec, admin.FieldListFilter)
                and not isinstance(spec, SubqueryRelatedFieldListFilter)
                and spec.used_parameters
            ]
            duplicates = any(
                lookup_spawns_duplicates(self.lookup_opts, path) for path in [*joined, *remaining]
            )
        return specs, has_filters, remaining, duplicates, active


class MeasureListFilter(SubqueryRelatedFieldListFilter):
    """The 「基本施策」 filter. Its names include the 「政策目標」, so the goals are read at once."""

    def field_choices(self, field, request, model_admin):
        return [(measure.pk, str(measure)) for measure in Measure.objects.select_related("goal")]


class KeysFirstPaginator(Paginator):
    """A changelist's pages by their keys first: the ordering and the slice run on narrow rows in
    a subquery (``pk IN (SELECT pk ... ORDER BY ... LIMIT/OFFSET)``), and only the page's rows are
    read whole and annotated. Sorting every wide row to skip to page 50 costs several times more.
    (A DISTINCT list is paged as usual.)

    With ``rows`` (the list's rows unfiltered: the admin's queryset, or a function returning it
    when the page is read), the matching keys are read once, in the list's order: their number is
    the count, and the page's rows are read from ``rows`` by key and put in that order. Where the condition is dear (a search of every text),
    it is evaluated once instead of twice (the count, then the page's keys)."""

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, rows=None):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        if rows is not None and (not hasattr(object_list, "query") or object_list.query.distinct):
            rows = None
        self.rows = rows

    @cached_property
    def keys(self) -> list:
        return list(self.object_list.values_list("pk", flat=True))

    @cached_property
    def count(self) -> int:
        if self.rows is not None:
            return len(self.keys)
        return super().count

    def page(self, number):
        if not hasattr(self.object_list, "query") or self.object_list.query.distinct:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if self.rows is not None:
            keys = self.keys[bottom:top]
            place = {key: index for index, key in enumerate(keys)}
            found = sorted(self.read_rows(keys), key=lambda row: place[row.pk])
            return self._get_page(found, number, self)
        keys = _sorting_keys(self.object_list)[bottom:top]
        # The page's keys are the filtered list's (read in the same statement): its conditions
        # (a bureau's or a goal's subquery) need not be compiled and judged again for the page.
        return self._get_page(unfiltered(self.object_list).filter(pk__in=keys), number, self)

    def read_rows(self, keys: list):
        """The rows of ``keys``, in any order, from ``rows``."""
        rows = self.rows() if callable(self.rows) else self.rows
        return rows.filter(pk__in=keys)


def unfiltered(queryset):
    """The queryset without its conditions (its annotations, joins and order kept): for reading
    rows by keys that came from it."""
    rows = queryset._chain()
    rows.query.where = WhereNode()
    return rows


def _sorting_keys(queryset):
    """``queryset.values("pk")`` without the annotations its ORDER BY does not name: a subquery's
    annotations are all resolved again in the outer query (a list's six subqueries: ~0.5 ms),
    though only the selected and the sorting ones are written. Kept whole when the ordering holds
    an expression (it may name any annotation)."""
    keys = queryset.values("pk")
    ordering = keys.query.order_by
    if all(isinstance(name, str) for name in ordering):
        named = {name.lstrip("-").split("__")[0] for name in ordering}
        annotations = keys.query.annotations
        keys.query.annotations = {k: v for k, v in annotations.items() if k in named}
    return keys
