"""The project and KPI lists' rows and filter choices kept between requests, with a stamp of what
they read (``plan.db_stamp``): paging, filtering or searching an unchanged plan neither counts,
searches nor reads and annotates its rows again.

What a list shows comes from the plan's tables (projects, bureaus' links, listings, measures, goals,
KPIs, their values and links, editions and plans: all historied), the change requests (their
threads, which move with every change of a request: ``plan.editions.review.THREADS``) and the
bureaus (no history: their names and order are digested, ``list_stamp``). The stamp of all of
them is read once per request (``list_stamp``), before anything it covers, so that a kept value is
never older than its stamp; any change of the plan, of a request or of a bureau moves it.

Kept under a key naming exactly what was read:
- a filter's choices (``KeptChoicesMixin``), by the filter's field path, in the process (a few
  dozen pairs: no pickling) and under the part of the stamp of the tables they read alone
  (``CHOICE_MODELS`` and the bureaus): a change of a project, a KPI or a request, the usual
  change, leaves them kept;
- a page (``KeptRowsChangeList``): the SQL of the list's keys (filters, search, sort and the user's
  bureaus as its parameters) and of the whole list, the page number and its size. The entry holds
  the count, the whole count, and each row's shown fields and cells; the rows are made again as
  model instances of those fields (the others deferred).

Who may do what (the actions, the links) is asked on every request; only the plan's data is kept.
A page that is read (a first view) runs its query compiled once per process for each shape
(``_PAGES``): no data, only the SQL the query compiles to.
"""

from __future__ import annotations

import functools
import hashlib
import sys
from collections import OrderedDict

from django.contrib import admin
from django.core.exceptions import EmptyResultSet
from django.db.models import QuerySet
from django.utils.functional import cached_property

from accounts.models import Bureau
from kpis.models import Kpi, KpiValue, ProjectKpi
from plan import db_stamp, prepared
from plan.admin import base as admin_base
from plan.admin.base import (
    MeasureListFilter,
    SubqueryFilterChangeList,
    SubqueryRelatedFieldListFilter,
)
from plan.models import (
    ChangeRequest,
    ChangeRequestEvent,
    Edition,
    Listing,
    Measure,
    Plan,
    PolicyGoal,
    Project,
    ProjectBureau,
)

#: The historied tables a list (its rows, filters, search and sort) reads.
LIST_MODELS = (
    *(Plan, Edition, PolicyGoal, Measure, Listing, Project, ProjectBureau),
    *(Kpi, KpiValue, ProjectKpi),
)
#: The change requests' tables (the 「変更申請」 column and filter): see the module docstring.
LIST_THREADS = ((ChangeRequest, "submitted_at"), (ChangeRequestEvent, "at"))
#: The historied tables the filters' choices read: the goals, the measures (named with their
#: goals), the editions (named with their plans). The bureaus are digested apart (``list_stamp``).
CHOICE_MODELS = (Plan, Edition, PolicyGoal, Measure)
_KEPT = db_stamp.StampedCache(
    f"plan.kept_list:{db_stamp.fingerprint(sys.modules[__name__], admin_base)}"
)
_STAMP = "_kept_list_stamp"
_CHOICES_STAMP = "_kept_list_choices_stamp"
#: The filters' choices kept in the process: key -> (the choices' stamp, the choices); one entry
#: per filter (a key names a list's model, a field path and an ordering), replaced when the stamp
#: moved.
_CHOICES: dict[str, tuple[str, list]] = {}


#: Bureaus in the city's order (their model's and admin's ordering): the stamp digests them, and
#: a filter on bureaus shows them.
BUREAU_ORDER = ("display_order", "name")
_BUREAUS = "_kept_list_bureaus"


def bureau_rows(request) -> list[tuple[int, str, int]]:
    """Every bureau's key, name and place, in the city's order: read once per request, with the
    stamp (``list_stamp``)."""
    list_stamp(request)
    return getattr(request, _BUREAUS)


def list_stamp(request) -> str | None:
    """The stamp of what the lists read, once per request (None: nothing is kept): the plan's and
    the requests' tables (one query), and the bureaus, read whole (a few dozen rows, one query;
    a bureau filter shows them)."""
    if not hasattr(request, _STAMP):
        stamp = db_stamp.database_stamp(LIST_MODELS, LIST_THREADS)
        rows = list(
            Bureau.objects.order_by(*BUREAU_ORDER).values_list("pk", "name", "display_order")
        )
        setattr(request, _BUREAUS, rows)
        digest = hashlib.sha256(repr(rows).encode()).hexdigest()[:16]
        setattr(request, _STAMP, None if stamp is None else f"{stamp};{digest}")
        setattr(request, _CHOICES_STAMP, None if stamp is None else _choices_stamp(stamp, digest))
    return getattr(request, _STAMP)


def forget_choices() -> None:
    """Empty the filters' choices kept in the process (as ``cache.clear()`` empties the cache)."""
    _CHOICES.clear()


def choices_stamp(request) -> str | None:
    """The part of the lists' stamp (``list_stamp``, read once per request) of the tables the
    filters' choices read: ``CHOICE_MODELS``' parts and the bureaus' digest."""
    list_stamp(request)
    return getattr(request, _CHOICES_STAMP)


def _choices_stamp(stamp: str, digest: str) -> str:
    """``CHOICE_MODELS``' parts of ``stamp`` (``db_stamp.database_stamp``: a part per model, in
    ``LIST_MODELS`` and ``LIST_THREADS``' order) and the bureaus' ``digest``; the whole stamp if it
    is not of that shape."""
    parts = stamp.split(";")
    if len(parts) != len(LIST_MODELS) + len(LIST_THREADS):
        return f"{stamp};{digest}"
    return ";".join([*(parts[LIST_MODELS.index(model)] for model in CHOICE_MODELS), digest])


#: The page queries compiled in the process (``KeptRowsChangeList._read_page``): a page's query is
#: a function of the list's queryset, whose keys' SQL and parameters (filters, search, sort, the
#: user's bureaus) are part of the shape, with the list's class and the page's place. Read again
#: without building or compiling it (``plan.prepared.read_compiled``): ~3 ms on a first view.
_PAGES: OrderedDict[tuple, tuple] = OrderedDict()
#: About 70 KB a page query (its queryset and compiler): some 14 MB at most. A change of the row
#: count makes new shapes (the last page's LIMIT depends on it); the least recently used go first.
PAGES_AT_MOST = 200


def forget_pages() -> None:
    """Empty the page queries compiled in the process."""
    _PAGES.clear()


def _digest(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


@functools.cache
def _code(module: str) -> str:
    """A digest of the module that reads a list's cells (``read_cells``): a server running other
    code never reads another's rows."""
    return db_stamp.fingerprint(sys.modules[module])


def _sql(queryset) -> tuple:
    """The queryset's SQL and parameters; none for a queryset that matches nothing (a filter by
    a key no record can have)."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return ()
    return sql, tuple(params)


class KeptChoicesMixin:
    """A related field's filter whose choices (each record's key and name) are kept in the process
    with the stamp of what they read (``choices_stamp``: the stamp is read before them); a filter
    on bureaus shows the bureaus read with the stamp (``bureau_rows``)."""

    def field_choices(self, field, request, model_admin):
        ordering = tuple(self.field_admin_ordering(field, request, model_admin))
        if field.related_model is Bureau and ordering == BUREAU_ORDER:
            return [(pk, name) for pk, name, _place in bureau_rows(request)]
        stamp = choices_stamp(request)
        key = f"{model_admin.opts.label_lower}:{self.field_path}:{ordering}"
        entry = _CHOICES.get(key)
        if stamp is not None and entry is not None and entry[0] == stamp:
            return list(entry[1])
        choices = list(super().field_choices(field, request, model_admin))
        if stamp is not None:
            _CHOICES[key] = (stamp, choices)
        return list(choices)


class KeptRelatedFieldListFilter(KeptChoicesMixin, admin.RelatedFieldListFilter):
    """Django's filter of a foreign key (「版」), its choices kept."""


class KeptSubqueryFilter(KeptChoicesMixin, SubqueryRelatedFieldListFilter):
    """``SubqueryRelatedFieldListFilter`` (「政策目標」「所管局」), its choices kept."""


class KeptMeasureListFilter(KeptChoicesMixin, MeasureListFilter):
    """The 「基本施策」 filter, its choices kept."""


class KeptRowsChangeList(SubqueryFilterChangeList):
    """A changelist whose page (its count, whole count and rows) is kept with the lists' stamp.

    ``row_fields`` are the model's fields the row shows (by attribute name); ``row_attributes``
    the annotations and cells (``read_cells``) it shows besides. A row is made again with those
    fields only (``from_db``, the others deferred) and the attributes set."""

    row_fields: tuple[str, ...] = ()
    row_attributes: tuple[str, ...] = ()

    def get_queryset(self, request, exclude_parameters=None):
        return super().get_queryset(request, exclude_parameters).prefetch_related(None)

    def read_cells(self, rows) -> None:
        """Set the rows' cells that the page query does not read (``row_attributes``)."""

    @classmethod
    def narrowed(cls, queryset):
        """The page's rows as a kept page makes them: the model's ``row_fields`` only (the others
        deferred) and, of the annotations, only the ``row_attributes``; the others (the list's
        sort keys) still sort the page in its ORDER BY, unselected. A DISTINCT list is read whole
        (its ORDER BY names selected columns)."""
        if queryset.query.distinct:
            return queryset
        fields = set(cls.row_fields)
        names = [f.name for f in queryset.model._meta.concrete_fields if f.attname in fields]
        narrowed = queryset.only(*names)
        shown = [name for name in narrowed.query.annotations if name in cls.row_attributes]
        narrowed.query.set_annotation_mask(shown)
        return narrowed

    def get_results(self, request):
        stamp = list_stamp(request)
        list_sql = _sql(self.queryset.values_list("pk"))
        key = None
        if stamp is not None:
            key = _digest(
                _code(type(self).__module__),
                self.model._meta.label_lower,
                list_sql,
                _sql(self.root_queryset.values_list("pk")),
                self.page_num,
                self.show_all,
                self.list_per_page,
                self.list_max_show_all,
            )
            kept = _KEPT.kept(f"rows:{key}", stamp)
            if kept is not None:
                self._restore(request, kept)
                return
        super().get_results(request)
        if isinstance(self.result_list, QuerySet):
            self.result_list = self._read_page(self.narrowed(self.result_list), list_sql)
        self.result_list = list(self.result_list)
        self.read_cells(self.result_list)
        if key is not None:
            _KEPT.keep(f"rows:{key}", stamp, self._kept())

    def _read_page(self, queryset: QuerySet, list_sql: tuple) -> list:
        """The page's rows, its query compiled once per process for each shape (``_PAGES``)."""
        if not list_sql:
            return list(queryset)
        shape = (
            type(self),
            type(self.model_admin),
            queryset.db,
            list_sql,
            self.page_num,
            self.show_all,
            self.list_per_page,
            self.list_max_show_all,
            self.result_count,
        )

        def compile_page() -> tuple:
            compiler = queryset.query.get_compiler(queryset.db)
            try:
                sql, params = compiler.as_sql()
            except EmptyResultSet:
                return ()
            return (queryset, compiler, sql, params)

        compiled = prepared.remembered(_PAGES, shape, compile_page, PAGES_AT_MOST)
        if not compiled:
            return []
        return prepared.read_compiled(*compiled, using=queryset.db)

    @cached_property
    def _field_names(self) -> list[str]:
        """``row_fields`` in the model's order (``from_db``'s)."""
        fields = set(self.row_fields)
        return [f.attname for f in self.model._meta.concrete_fields if f.attname in fields]

    def _kept(self) -> tuple:
        rows = [
            (
                tuple(getattr(row, name) for name in self._field_names),
                tuple(getattr(row, name) for name in self.row_attributes),
            )
            for row in self.result_list
        ]
        return (self.result_count, self.full_result_count, rows)

    def _restore(self, request, kept: tuple) -> None:
        """What ``ChangeList.get_results`` sets, from the kept page."""
        result_count, full_result_count, rows = kept
        paginator = self.model_admin.get_paginator(request, self.queryset, self.list_per_page)
        paginator.count = result_count
        self.result_count = result_count
        self.show_full_result_count = self.model_admin.show_full_result_count
        self.show_admin_actions = not self.show_full_result_count or bool(full_result_count)
        self.full_result_count = full_result_count
        self.can_show_all = result_count <= self.list_max_show_all
        self.multi_page = result_count > self.list_per_page
        self.paginator = paginator
        self.result_list = [self._row(fields, attributes) for fields, attributes in rows]

    def _row(self, fields: tuple, attributes: tuple):
        row = self.model.from_db(self.queryset.db, self._field_names, fields)
        for name, value in zip(self.row_attributes, attributes, strict=True):
            setattr(row, name, value)
        return row
