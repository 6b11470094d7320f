"""A project's 「履歴」 page and restoring a past state, and the history rows shared with the audit log."""

from __future__ import annotations

import functools
import hashlib
import sys
from collections import Counter
from collections.abc import Collection
from itertools import chain

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from accounts import permissions
from accounts.models import Bureau
from kpis.models import Kpi, KpiValue, ProjectKpi
from plan import changes, db_stamp
from plan.changes import diff
from plan.changes.diff import (
    HISTORY_TYPES,
    RelatedRecords,
    describe_histories,
    history_references,
    names_of,
    previous_records,
    related_records,
)
from plan.models import Edition, Listing, Measure, Plan, PolicyGoal, Project, ProjectBureau
from plan.prepared import Prepared, by_keys

HISTORY_MODELS = (Project, ProjectBureau, Listing, Measure, PolicyGoal, Kpi, KpiValue, ProjectKpi)


#: The newest historical rows of each model that a history page or the audit log reads (a budget).
HISTORY_LIMIT = 2000

#: The relations each model's ``__str__`` reads (a related record comes with its own relations:
#: ``related_records`` reads it with ``select_related()``).
NAME_RELATIONS = {
    Measure: ("goal",),
    ProjectBureau: ("project", "bureau"),
    Listing: ("measure", "project"),
    ProjectKpi: ("project", "kpi"),
}


#: The relations the names of the records the rows refer to read (their ``__str__``): the
#: related records are read with these only (``related_records``), not with all theirs.
RELATED_NAME_RELATIONS = {
    Project: (),
    Kpi: (),
    Bureau: (),
    PolicyGoal: (),
    Plan: (),
    Measure: ("goal",),
    Edition: ("plan",),
}


@functools.cache
def _history(model):
    """``model.history`` (django-simple-history makes a manager class each time it is read)."""
    return model.history


#: Who made a historical row: the people each row shows.
PEOPLE = ("history_user", "proposed_by", "approved_by")


def _attributed(records: list) -> list:
    """The historical ``records`` with the people they name, read in one query for all (joining
    the user table three times into each model's query costs more to build than it saves)."""
    ids = {getattr(record, f"{name}_id") for record in records for name in PEOPLE} - {None}
    people = by_keys(get_user_model(), ids)
    for record in records:
        for name in PEOPLE:
            field = record._meta.get_field(name)
            field.set_cached_value(record, people.get(getattr(record, field.attname)))
    return records


def history_records(models, filters=None, limit: int = HISTORY_LIMIT):
    """Historical rows of several models, newest first, with who proposed and approved them.

    ``filters`` maps a model to a Q on its historical rows; models without one are left out.
    Queries: one per model, and one for the people.
    """
    return _attributed(_newest_records(models, filters, limit))


def _newest_records(models, filters, limit: int) -> list:
    """``history_records`` without the people (a query per model)."""
    querysets = []
    for model in models:
        queryset = _history(model).all()
        if filters is not None:
            if model not in filters:
                continue
            queryset = queryset.filter(filters[model])
        querysets.append(queryset.order_by("-history_date", "-history_id")[:limit])
    return sorted(
        chain.from_iterable(querysets), key=lambda record: record.history_date, reverse=True
    )


class LatestHistory:
    """``history_records(models)`` as a sequence that a Paginator pages in the database: the newest
    ``limit`` historical rows of each model, newest first, without reading them all.

    ``count()`` is a bounded count per model; a slice reads the dates and ids of each model's
    newest rows down to the slice's end, merges them, and loads the slice's records (queries: three
    per model at most and one for the people, whatever the number of rows).
    """

    def __init__(self, models, filters=None, limit: int = HISTORY_LIMIT, kept=None):
        """``filters`` maps a model to a Q on its historical rows; models without one are left
        out (as in ``history_records``). ``kept(key, compute)`` may return what ``compute()``
        would (the count, and each slice's keys: ``audit_kept`` keeps them with a stamp of the
        history tables); by default everything is read."""
        self.kept = kept or (lambda _key, compute: compute())
        self.querysets = {
            model: _history(model).all()
            if filters is None
            else _history(model).filter(filters[model])
            for model in models
            if filters is None or model in filters
        }
        self.models = tuple(self.querysets)
        self.limit = limit

    def count(self) -> int:
        return self.kept(
            "count",
            lambda: sum(
                queryset.order_by()[: self.limit].count() for queryset in self.querysets.values()
            ),
        )

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list:
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("LatestHistory is read by slices.")
        start = index.start or 0
        stop = self.limit * len(self.models) if index.stop is None else index.stop
        chosen = [
            (self.models[number], pk)
            for number, pk in self.kept(f"keys:{start}:{stop}", lambda: self._keys(start, stop))
        ]
        wanted: dict = {}
        for model, pk in chosen:
            wanted.setdefault(model, []).append(pk)
        loaded = {
            (model, record.history_id): record
            for model, pks in wanted.items()
            for record in _history(model).filter(history_id__in=pks)
        }
        return _attributed([loaded[(model, pk)] for model, pk in chosen])

    def _keys(self, start: int, stop: int) -> list[tuple[int, int]]:
        """The slice's rows as (the model's number in ``models``, history_id), newest first."""
        newest = []
        for number, model in enumerate(self.models):
            keys = (
                self.querysets[model]
                .order_by("-history_date", "-history_id")
                .values_list("history_date", "history_id")
            )
            newest += [(date, number, pk) for date, pk in keys[: min(stop, self.limit)]]
        # The same order as history_records: by date, ties in the models' order (a stable sort).
        chosen = sorted(newest, key=lambda key: key[0], reverse=True)[start:stop]
        return [(number, pk) for _date, number, pk in chosen]


def _name_fields(instance):
    return [instance._meta.get_field(name) for name in NAME_RELATIONS.get(type(instance), ())]


def instance_names(instances, related: RelatedRecords) -> list[str]:
    """What each historical record's row was called at that version (``str(record.instance)``
    for ``_instance(record)``), the relations its name reads taken from ``related``
    (``related_records`` of ``_name_fields``'s values)."""
    for instance in instances:
        for field in _name_fields(instance):
            key = (field.related_model._meta.label_lower, getattr(instance, field.attname))
            field.set_cached_value(instance, related.get(key))
    return [str(instance) for instance in instances]


def _instance(record):
    """The record's row as it was (``record.instance`` without reading back the fields the history
    leaves out, which no name shows)."""
    model = record.instance_type
    return model(
        **{
            field.attname: getattr(record, field.attname)
            for field in model._meta.concrete_fields
            if hasattr(record, field.attname)
        }
    )


def history_rows(
    records,
    *,
    complete: Collection[type[Model]] = (),
    few_versions: bool = False,
    known: RelatedRecords | None = None,
) -> list[dict]:
    """The rows of a history page: each record with the fields it changed. The previous versions
    are read in a query per model (none for the models in ``complete``, whose every version is
    among ``records``; ``few_versions``: see ``previous_records``), and the related records that
    the fields and the records' own names show in a query per related model (but those
    ``known``), once for the page."""
    records = list(records)
    previous = previous_records(records, complete, few_versions=few_versions)
    instances = [_instance(record) for record in records]
    related = related_records(
        [
            *(
                (field, getattr(instance, field.attname))
                for instance in instances
                for field in _name_fields(instance)
            ),
            *history_references(zip(records, previous, strict=True)),
        ],
        known,
        RELATED_NAME_RELATIONS,
    )
    fields = describe_histories(records, previous=previous, names=names_of(related))
    return [
        {
            "record": record,
            "is_project": record.instance_type is Project,
            "model_name": record.instance_type._meta.verbose_name,
            "type": HISTORY_TYPES.get(record.history_type, record.history_type),
            "object": name,
            "fields": changed,
        }
        for record, name, changed in zip(
            records, instance_names(instances, related), fields, strict=True
        )
    ]


#: What a project's 「履歴」 rows read: the history of ``HISTORY_MODELS`` (the records, their
#: previous versions), and the records that their fields and names refer to (``related_records``,
#: with ``select_related()``): editions and their plans, goals, measures, projects, KPIs, all
#: historied, and bureaus, which are not (``bureaus_stamp``). The people are read on each view.
STAMPED_MODELS = (*HISTORY_MODELS, Edition, Plan)
_KEPT = db_stamp.StampedCache(
    f"plan.project_history:{db_stamp.fingerprint(sys.modules[__name__], diff)}"
)


def project_history_filters(pk) -> dict:
    """What a project's 「履歴」 lists of each history model: its own rows, its bureaus',
    listings' and KPI links', and those of every KPI it was ever linked to and their values."""
    kpi_ids = _history(ProjectKpi).filter(project_id=pk).values("kpi_id")
    return {
        Project: Q(id=pk),
        ProjectBureau: Q(project_id=pk),
        Listing: Q(project_id=pk),
        ProjectKpi: Q(project_id=pk),
        Kpi: Q(id__in=kpi_ids),
        KpiValue: Q(kpi_id__in=kpi_ids),
    }


def _newest_of_project(model: type[Model], pk) -> QuerySet:
    """The newest historical rows of ``model`` that a project's page lists (``_newest_records``'
    queryset of ``model`` for ``project_history_filters(pk)``)."""
    history = _history(model).filter(project_history_filters(pk)[model])
    return history.order_by("-history_date", "-history_id")[:HISTORY_LIMIT]


#: ``_newest_of_project`` of each model a project's page lists, compiled once per process
#: (building and compiling the six querysets cost about as much as the rest of the first view's
#: reading, and reading their rows through the ORM's compiler as much again).
_PROJECT_QUERIES = [
    Prepared(functools.partial(_newest_of_project, model), [int])
    for model in HISTORY_MODELS
    if model in project_history_filters(0)
]


def _project_records(pk) -> list:
    """``_newest_records(HISTORY_MODELS, project_history_filters(pk), HISTORY_LIMIT)`` from the
    queries compiled once (``_PROJECT_QUERIES``)."""
    records = []
    for query in _PROJECT_QUERIES:
        records += query(pk)
    return sorted(records, key=lambda record: record.history_date, reverse=True)


#: Every bureau by key (``project_history_rows``), compiled once per process.
_EVERY_BUREAU = Prepared(lambda: Bureau.objects.order_by("pk"), [])

#: A project's page's project with its edition and plan (``_page_project``), compiled once.
_PAGE_PROJECT = Prepared(
    lambda pk: Project._base_manager.select_related("edition__plan").filter(pk=pk), [int]
)


def _page_project(object_id: str) -> Project:
    """``get_object_or_404(Project._base_manager.select_related("edition__plan"), pk=object_id)``,
    by a query compiled once for a key written in ASCII digits (of a whole number the key's column
    holds; any other is read as the ORM reads it)."""
    if object_id.isascii() and object_id.isdigit() and int(object_id) < 2**63:
        found = _PAGE_PROJECT(int(object_id))
        if not found:
            raise Http404(f"No {Project._meta.object_name} matches the given query.")
        return found[0]
    return get_object_or_404(Project._base_manager.select_related("edition__plan"), pk=object_id)


def bureaus_stamp(bureaus: list[Bureau] | None = None) -> str:
    """A digest of every bureau's name (bureaus keep no history; their names are shown in the
    rows of a project's bureaus): one query on a table of a few dozen rows, or none with
    ``bureaus``, every bureau by key, read by the caller."""
    if bureaus is None:
        names = list(Bureau.objects.order_by("pk").values_list("pk", "name"))
    else:
        names = [(bureau.pk, bureau.name) for bureau in bureaus]
    return hashlib.sha256(repr(names).encode()).hexdigest()[:16]


def history_stamp() -> str | None:
    """The stamp of what a project's 「履歴」 rows read (``STAMPED_MODELS``; one query). Read it
    before the project whose rows are shown (``project_history_rows``)."""
    return db_stamp.database_stamp(STAMPED_MODELS)


def project_history_rows(project, plan_stamp: str | None) -> list[dict]:
    """``history_rows`` of the project's own historical rows and those of its bureaus, listings,
    KPIs and their values, newest first. ``project`` is read with its edition and plan (the
    rows' names of them are taken from it) *after* ``plan_stamp`` (``history_stamp``): a change
    committed between a project read first and the stamp would be kept under the new stamp with
    the project's former name.

    The rows (without the people) are kept in Django's cache with a stamp of the tables they read
    (``STAMPED_MODELS``, ``plan.db_stamp``, and the bureaus' names), read before the rows, so that
    an unchanged project's page neither reads its history again nor compares its versions; any
    change of the plan moves the stamp. Who proposed and approved each row is read on each view
    (users keep no history). Queries: the stamp and the bureaus, then either the rows' (one per
    history model, the previous versions and related records: one per model) or none, and one for
    the people."""
    bureaus = _EVERY_BUREAU()
    stamp = None if plan_stamp is None else f"{plan_stamp};{bureaus_stamp(bureaus)}"

    def compute() -> list[dict]:
        records = _project_records(project.pk)
        # The project's and its KPIs' rows are chosen by their own key: every version of each is
        # here (unless the budget cut them), so their previous versions need no query.
        counts = Counter(record.instance_type for record in records)
        complete = [model for model in (Project, Kpi) if counts[model] < HISTORY_LIMIT]
        # The bureaus the rows name were read for the stamp.
        known: RelatedRecords = {("accounts.bureau", bureau.pk): bureau for bureau in bureaus}
        known[("plan.project", project.pk)] = project
        edition = Project.edition.field.get_cached_value(project, None)  # type: ignore[attr-defined]
        if edition is not None and Edition.plan.field.is_cached(edition):  # type: ignore[attr-defined]
            known[("plan.edition", edition.pk)] = edition
        # The others are chosen by the project or its KPIs: nearly all their versions are here.
        return history_rows(records, complete=complete, few_versions=True, known=known)

    return attributed_rows(_KEPT.cached(str(project.pk), stamp, compute))


def attributed_rows(rows: list[dict]) -> list[dict]:
    """Kept rows with their people read now (one query; users keep no history)."""
    _attributed([row["record"] for row in rows])
    return rows


class ProjectHistoryMixin:
    """A project admin's 「履歴」 page and its 「この時点に戻す」 door (a POST that hands the chosen
    version to the change engine's ``project_restore``)."""

    def history_view(self, request, object_id, extra_context=None):
        """The 「履歴」 page of a project: its own changes and those of its bureaus, listings and KPIs.

        Queries: a fixed number per history model, whatever the number of versions, and on an
        unchanged plan only the stamp, the bureaus and the people (``project_history_rows``;
        pinned in tests/admin/test_page_query_counts.py)."""
        # The stamp first: the rows kept with it name the project read after it.
        plan_stamp = history_stamp()
        # Its edition: whether it may be restored (a published edition's may not).
        project = _page_project(object_id)
        if not self.has_view_permission(request, project):
            raise PermissionDenied
        restorable = permissions.requires_approval(request.user) or permissions.may_apply_directly(
            request.user
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"履歴: {project}",
            "object": project,
            "rows": project_history_rows(project, plan_stamp),
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
