"""The 公表前チェック page's findings, a page at a time: the counts of every kind for the whole
edition (total and left unacknowledged), and one page of the findings the filters choose (a kind,
left or acknowledged), grouped by kind in the order of ``FINDING_TITLES``.

At ×100 the 2024 edition the checks find thousands of findings; the page shows ``PER_PAGE`` of
them, and its counts (and the publish button, and ``edition_publish`` itself) always reckon with
all of them.

Queries: the checks' (a fixed number), one for the acknowledgements' keys, and one for the
acknowledgements shown on the page (none if the page shows none), whatever the number of findings.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator

from plan.editions.checks import FINDING_TITLES, Finding, edition_findings
from plan.editions.lifecycle import acknowledged_keys
from plan.models import Edition, FindingAcknowledgement

#: Findings shown on a page.
PER_PAGE = 100
#: The state filter: its value in the query, its label.
STATES = {"left": "未確認", "done": "確認済み"}
_KIND_ORDER = {code: number for number, code in enumerate(FINDING_TITLES)}


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
    findings = sorted(
        edition_findings(edition), key=lambda f: _KIND_ORDER.get(f.code, len(_KIND_ORDER))
    )
    keys = acknowledged_keys(edition)
    totals: dict[str, list[int]] = {}
    for finding in findings:
        count = totals.setdefault(finding.code, [0, 0])
        count[0] += 1
        count[1] += finding.key not in keys
    kinds = [
        KindCount(code, FINDING_TITLES.get(code, code), total, left)
        for code, (total, left) in totals.items()
    ]
    of_kind = [f for f in findings if not kind or f.code == kind]
    chosen = [f for f in of_kind if not state or (f.key in keys) == (state == "done")]
    shown = Paginator(chosen, per_page or PER_PAGE).get_page(page)
    acknowledged = [f for f in shown.object_list if f.key in keys]
    acks = {}
    if acknowledged:
        rows = FindingAcknowledgement.objects.filter(
            edition=edition, object_pk__in={f.object_pk for f in acknowledged}
        ).select_related("acknowledged_by")
        acks = {ack.key: ack for ack in rows}
    return ReviewPage(
        total=len(findings),
        left=sum(kind.left for kind in kinds),
        kinds=kinds,
        kind=kind,
        state=state,
        chosen=len(chosen),
        kind_left=sum(1 for f in of_kind if f.key not in keys),
        page=shown,
        rows=[(f, acks.get(f.key)) for f in shown.object_list],
    )
