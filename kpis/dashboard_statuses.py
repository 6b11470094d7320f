"""What the 「達成状況」 dashboard counts, judged once per state of the database and kept in Django's
cache.

Judging every KPI of an edition (``assess_kpis``) reads all their figures and takes time in
proportion to them (at ×100 the 2024 edition, 5,100 KPIs: a few hundred milliseconds). The result
depends only on what is stored, so it is kept in the cache, each entry with the *stamp* of the
database it was computed from; an entry whose stamp differs from the database's is computed again.

``database_stamp()`` is ``plan.db_stamp.database_stamp`` of the models a status or a count depends on
(``STAMPED``: the plan and edition, goals, measures, listings, projects' bureaus, KPIs, their
baselines and targets, actuals, and the KPIs' projects): every write of the application moves it,
on several application servers alike (``plan/db_stamp.py`` says how, and what it does not see).
Entries expire ``db_stamp.TIMEOUT`` after they were kept. Each entry is keyed by what it is for
(the plan's years with actuals; an edition and year's counts; their drill-down details) and holds
only the latest computation. The keys carry a fingerprint of the modules that judge, so that a server
running other rules never reads another's entries.
"""

from __future__ import annotations

import gc
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter
from typing import NamedTuple, TypeVar

from kpis import achievement, figures
from kpis.achievement import Status, assess_kpis
from kpis.models import Kpi, KpiActual, KpiValue, ProjectKpi
from plan import db_stamp, eras
from plan.models import Edition, Listing, Measure, Plan, PolicyGoal, ProjectBureau
from plan.params import whole_number

#: The models whose records a status or a count of the dashboard depends on.
STAMPED = (
    Plan,
    Edition,
    PolicyGoal,
    Measure,
    Listing,
    ProjectBureau,
    Kpi,
    KpiValue,
    KpiActual,
    ProjectKpi,
)
GROUP_KEYS = ("goal", "measure", "bureau")

T = TypeVar("T")


KEY_PREFIX = (
    f"kpis.dashboard:{db_stamp.fingerprint(achievement, figures, eras, sys.modules[__name__])}"
)
_KEPT = db_stamp.StampedCache(KEY_PREFIX)


def database_stamp() -> str | None:
    """The state of every table in ``STAMPED``, in one query; None while another transaction is
    writing to one of them on PostgreSQL (see ``plan.db_stamp``)."""
    return db_stamp.database_stamp(STAMPED)


def cached(key: str, stamp: str | None, compute: Callable[[], T]) -> T:
    """The value kept under ``key`` if it was computed at ``stamp``, else ``compute()`` (kept,
    unless ``stamp`` is None)."""
    return _KEPT.cached(key, stamp, compute)


def keep(key: str, stamp: str | None, value: object) -> None:
    """Keep ``value``, computed at ``stamp``, under ``key`` (replacing what was there); nothing
    when ``stamp`` is None."""
    _KEPT.keep(key, stamp, value)


# --- What is kept -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """The counts of an edition's KPIs for a year: in all, and by goal, measure and bureau."""

    totals: dict[str, int]
    #: group → goal, measure or bureau pk → status → count.
    groups: dict[str, dict[int, dict[str, int]]]


@dataclass(frozen=True)
class Judged:
    """What the drill-down shows of one KPI's judgement (the parts of ``Achievement`` it reads)."""

    status: str
    actual: Decimal | None
    rate_display: str
    reason: str

    @property
    def status_label(self) -> str:
        return Status(self.status).label


class KpiLine(NamedTuple):
    """What a drill-down row shows of the KPI itself."""

    pk: int
    code: str
    indicator: str


@dataclass(frozen=True)
class Details:
    """Each KPI of an edition with its judgement, and the KPIs counted under each goal, measure
    and bureau: plain strings, integers and lists, which the cache reads back quickly (frozensets
    and ``Decimal`` took several times longer)."""

    #: kpi pk → (code, indicator, status, the compared actual as text or "" for none, the rate as
    #: shown, the reason), in the order of the codes.
    kpis: dict[int, tuple[str, str, str, str, str, str]]
    #: group → goal, measure or bureau pk → the pks of the KPIs counted under it, in that order.
    members: dict[str, dict[int, list[int]]]

    def drill_down(self, *, status: str, group: str, key: str) -> list[tuple[KpiLine, Judged]]:
        """The KPIs with ``status`` (any if empty) under ``group``'s ``key`` (any if no group),
        in the order of their codes."""
        number = whole_number(key)
        if group and number is None:
            return []
        pks = self.members[group].get(number, []) if group and number is not None else self.kpis
        rows = []
        for pk in pks:
            code, indicator, judged, actual, rate_display, reason = self.kpis[pk]
            if not status or judged == status:
                rows.append(
                    (
                        KpiLine(pk, code, indicator),
                        Judged(judged, Decimal(actual) if actual else None, rate_display, reason),
                    )
                )
        return rows


def _links(edition: Edition) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    """The measures and the bureaus of each KPI of the edition (one query)."""
    measures: dict[int, set[int]] = defaultdict(set)
    bureaus: dict[int, set[int]] = defaultdict(set)
    links = ProjectKpi.objects.filter(kpi__edition=edition).values_list(
        "kpi_id", "project__listings__measure_id", "project__bureau_links__bureau_id"
    )
    for kpi_id, measure_id, bureau_id in links.order_by():
        if measure_id is not None:
            measures[kpi_id].add(measure_id)
        if bureau_id is not None:
            bureaus[kpi_id].add(bureau_id)
    return measures, bureaus


def judge_edition(edition: Edition, year: int, goal_of: dict[int, int]) -> tuple[Summary, Details]:
    """Judge every KPI of ``edition`` for ``year`` and count them (four queries: the KPIs'
    figures in two, see ``assess_kpis``; their codes and indicators; their measures and bureaus);
    ``goal_of`` maps each measure of the edition to its goal. A shared KPI counts under every
    goal, measure and bureau of its projects."""
    kpis = Kpi.objects.filter(edition=edition)
    with cyclic_collection_paused():
        achievements = assess_kpis(kpis, year)
        lines = sorted(kpis.order_by().values_list("pk", "code", "indicator"), key=itemgetter(1))
        measures, bureaus = _links(edition)
    keys = {
        "goal": {pk: {goal_of[measure] for measure in found} for pk, found in measures.items()},
        "measure": measures,
        "bureau": bureaus,
    }
    details: dict[int, tuple[str, str, str, str, str, str]] = {}
    totals: dict[str, int] = {}
    groups: dict[str, dict[int, dict[str, int]]] = {group: {} for group in GROUP_KEYS}
    members: dict[str, dict[int, list[int]]] = {group: {} for group in GROUP_KEYS}
    for pk, code, indicator in lines:
        judged = achievements[pk]
        status = judged.status.value
        actual = "" if judged.actual is None else str(judged.actual)
        details[pk] = (code, indicator, status, actual, judged.rate_display, judged.reason)
        totals[status] = totals.get(status, 0) + 1
        for group in GROUP_KEYS:
            for key in keys[group].get(pk, ()):
                counts = groups[group].setdefault(key, {})
                counts[status] = counts.get(status, 0) + 1
                members[group].setdefault(key, []).append(pk)
    return Summary(totals=totals, groups=groups), Details(kpis=details, members=members)


@contextmanager
def cyclic_collection_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while an edition is judged, if it was running.

    Judging 5,100 KPIs makes about 100,000 objects that live until the counts are made; none is
    part of a cycle, so reference counting frees them all. While they accumulate they set off the
    collector's passes over every object of the process, which took a third to a half of the time
    (at ×100: 285 → 151 ms on PostgreSQL, 336 → 250 ms on SQLite). The switch is the process's:
    with threaded workers, other threads also run without cyclic collection for that time (a few
    hundred milliseconds); it is always switched on again.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def years_with_actuals(plan_id: int) -> list[int]:
    """The fiscal years with an actual of a KPI of the plan (one query)."""
    return sorted(
        set(
            KpiActual.objects.filter(kpi__edition__plan=plan_id)
            .order_by()
            .values_list("year", flat=True)
            .distinct()
        )
    )


class JudgedYear:
    """The counts of an edition's KPIs for a year, and on demand the details of each KPI for a
    drill-down: from the cache when computed at ``stamp``, else judged now (no query when cached;
    four when judged, see ``judge_edition``). Judging keeps both the counts and the details."""

    def __init__(
        self,
        edition: Edition,
        year: int,
        goal_of: Callable[[], dict[int, int]],
        stamp: str | None,
    ) -> None:
        self._edition, self._year, self._goal_of, self._stamp = edition, year, goal_of, stamp
        self._key = f"{edition.pk}:{year}"
        self._details: Details | None = None
        self.summary = cached(f"summary:{self._key}", stamp, self._judge)

    def _judge(self) -> Summary:
        summary, details = judge_edition(self._edition, self._year, self._goal_of())
        keep(f"details:{self._key}", self._stamp, details)
        self._details = details
        return summary

    def details(self) -> Details:
        if self._details is None:
            self._details = cached(
                f"details:{self._key}",
                self._stamp,
                lambda: judge_edition(self._edition, self._year, self._goal_of())[1],
            )
        return self._details
