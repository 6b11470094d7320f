"""The 公表前チェック page's findings, a page at a time: the counts of every kind for the whole
edition (total and left unacknowledged), and one page of the findings the filters choose (a kind,
left or acknowledged), grouped by kind in the order of ``FINDING_TITLES``.

At ×100 the 2024 edition the checks find thousands of findings; the page shows ``PER_PAGE`` of
them, and its counts (and the publish button, and ``edition_publish`` itself) always reckon with
all of them.

The findings are kept in Django's cache with the stamp of the tables the checks read
(``plan.db_stamp``: ``STAMPED`` and ``THREADS``), so that the checks run only on the first view
after a change (or on a server that has not run them since). The acknowledgements are read on
every view (one query of their keys), not kept: acknowledging updates a row in place, which a
stamp does not see.

Queries: the stamp (one); when the stamp moved, the edition with its plan (read again after
the stamp: the caller's may be older) and the checks' (a fixed number); one for the
acknowledgements' keys, and one for the acknowledgements shown on the page (none if the page
shows none), whatever the number of findings.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from django.core.paginator import Page, Paginator

from kpis.dashboard_statuses import cyclic_collection_paused
from kpis.models import Kpi, KpiValue
from plan import db_stamp
from plan.editions import checks
from plan.editions.checks import FINDING_TITLES, Finding, edition_findings
from plan.editions.lifecycle import acknowledged_keys
from plan.models import (
    ChangeRequest,
    ChangeRequestEvent,
    Edition,
    FindingAcknowledgement,
    Listing,
    Measure,
    Plan,
    PolicyGoal,
    Project,
    ProjectBureau,
)

#: Findings shown on a page.
PER_PAGE = 100
#: The state filter: its value in the query, its label.
STATES = {"left": "未確認", "done": "確認済み"}
_KIND_ORDER = {code: number for number, code in enumerate(FINDING_TITLES)}

#: The models whose records a check reads (``plan.editions.checks``): the plan's period, the
#: edition, goals and measures (a measure's name), listings (numbers, a project's listings),
#: projects (names, summaries), their bureaus, KPIs (codes, indicators), baselines and targets.
STAMPED = (Plan, Edition, PolicyGoal, Measure, Listing, Project, ProjectBureau, Kpi, KpiValue)
#: Change requests keep no history; every change of a request's status (or title) adds an event
#: to its thread in the same transaction (``plan.changes.events.record_event``: submitted,
#: amended, returned, rejected, approved, withdrawn, applied), so the events' table moves with
#: it, and the requests' table with a new request.
THREADS = ((ChangeRequest, "submitted_at"), (ChangeRequestEvent, "at"))
_KEPT = db_stamp.StampedCache(
    f"plan.edition_findings:{db_stamp.fingerprint(checks, sys.modules[__name__])}"
)

#: A finding as kept: its fields in order (code, message, model_label, object_pk, record).
FindingRow = tuple[str, str, str, int, str]


def findings_stamp() -> str | None:
    """The state of the tables the checks read (one query; see ``plan.db_stamp``)."""
    return db_stamp.database_stamp(STAMPED, THREADS)


def _sorted_rows(edition: Edition) -> list[FindingRow]:
    # The edition and its plan (the plan's period) read again, after the stamp: the caller read
    # them before it, and a change committed in between would be kept under the new stamp.
    edition = Edition.objects.select_related("plan").filter(pk=edition.pk).first() or edition
    # Many short-lived objects without cycles (see ``cyclic_collection_paused``).
    with cyclic_collection_paused():
        found = edition_findings(edition)
    findings = sorted(found, key=lambda f: _KIND_ORDER.get(f.code, len(_KIND_ORDER)))
    return [(f.code, f.message, f.model_label, f.object_pk, f.record) for f in findings]


def kept_findings(edition: Edition) -> list[FindingRow]:
    """Every finding of the edition's checks, by kind in the order of ``FINDING_TITLES`` (within a
    kind, in the checks' order), as plain tuples: from the cache if the tables the checks read
    have not changed since they ran, else the checks run now (and are kept)."""
    return _KEPT.cached(f"findings:{edition.pk}", findings_stamp(), lambda: _sorted_rows(edition))


def left_findings(edition: Edition) -> list[Finding]:
    """The findings no coordinator acknowledged (``kept_findings``; one query for the keys)."""
    keys = acknowledged_keys(edition)
    return [Finding(*row) for row in kept_findings(edition) if (row[0], row[2], row[3]) not in keys]


@dataclass(frozen=True)
class KindCount:
    """One kind of finding: how many the edition has, and how many of them are left."""

    code: str
    title: str
    total: int
    left: int


@dataclass
class ReviewPage:
    total: int
    left: int
    #: The kinds the edition has findings of, in the order of ``FINDING_TITLES``.
    kinds: list[KindCount]
    #: The filters chosen ("" for all).
    kind: str
    state: str
    #: How many findings the filters choose; how many of the chosen kind (or of all) are left.
    chosen: int
    kind_left: int
    #: The page of the chosen findings, and its rows: (finding, its acknowledgement or None).
    page: Page
    rows: list[tuple[Finding, FindingAcknowledgement | None]]

    @property
    def kind_title(self) -> str:
        return FINDING_TITLES.get(self.kind, "")

    @property
    def state_label(self) -> str:
        return STATES.get(self.state, "")


def edition_review_page(
    edition: Edition,
    *,
    kind: str = "",
    state: str = "",
    page: int | str | None = 1,
    per_page: int | None = None,
) -> ReviewPage:
    """The findings of the edition for the page (see the module's docstring). An unknown kind or
    state chooses all; a page number out of range gives the nearest page."""
    kind = kind if kind in FINDING_TITLES else ""
    state = state if state in STATES else ""
    findings = kept_findings(edition)
    keys = acknowledged_keys(edition)
    totals: dict[str, list[int]] = {}
    done: list[bool] = []
    for code, _message, model_label, object_pk, _record in findings:
        acknowledged = (code, model_label, object_pk) in keys
        done.append(acknowledged)
        count = totals.setdefault(code, [0, 0])
        count[0] += 1
        count[1] += not acknowledged
    kinds = [
        KindCount(code, FINDING_TITLES.get(code, code), total, left)
        for code, (total, left) in totals.items()
    ]
    of_kind = [n for n, row in enumerate(findings) if not kind or row[0] == kind]
    chosen = [n for n in of_kind if not state or done[n] == (state == "done")]
    shown = Paginator(chosen, per_page or PER_PAGE).get_page(page)
    on_page = [Finding(*findings[n]) for n in shown.object_list]
    shown.object_list = on_page  # type: ignore[assignment]
    acknowledged_here = [f for f in on_page if f.key in keys]
    acks = {}
    if acknowledged_here:
        rows = FindingAcknowledgement.objects.filter(
            edition=edition, object_pk__in={f.object_pk for f in acknowledged_here}
        ).select_related("acknowledged_by")
        acks = {ack.key: ack for ack in rows}
    return ReviewPage(
        total=len(findings),
        left=sum(kind.left for kind in kinds),
        kinds=kinds,
        kind=kind,
        state=state,
        chosen=len(chosen),
        kind_left=sum(1 for n in of_kind if not done[n]),
        page=shown,
        rows=[(f, acks.get(f.key)) for f in on_page],
    )
