"""「版の比較」: what changed between two editions of a plan, for the coordinator's revision summary.

Projects and KPIs are matched across the editions by their link to the previous edition
(``predecessor``) and otherwise by code (the identity key). The comparison says which projects were
added and which ended, the field-level differences of the others (``FieldDiff``), the listings that
moved to another measure or were renumbered, the KPIs whose indicator, baseline or target were
revised, and counts by bureau and by policy goal.

Query bound: ``edition_compare`` runs a fixed number of queries (eight per edition and two more),
whatever the editions' size (pinned by a test).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from accounts.models import Bureau
from kpis.models import Kpi, KpiValue, ProjectKpi
from plan.changes.diff import EMPTY, FieldDiff
from plan.models import Edition, Listing, PolicyGoal, Project, ProjectBureau


@dataclass
class ProjectState:
    pk: int
    code: str
    name: str
    summary: str
    predecessor_id: int | None
    bureaus: list[str] = field(default_factory=list)
    listings: dict[tuple[str, int], int] = field(default_factory=dict)  # (goal, measure) → No
    kpis: list[str] = field(default_factory=list)  # KPI codes, in order

    @property
    def goals(self) -> list[str]:
        return sorted({goal for goal, _measure in self.listings}, key=_goal_order)


@dataclass
class KpiState:
    pk: int
    code: str
    indicator: str
    predecessor_id: int | None
    baseline: str = ""
    target: str = ""


@dataclass
class EditionState:
    """An edition's projects and KPIs as the comparison reads them (one load per edition)."""

    edition: Edition
    projects: dict[int, ProjectState]
    kpis: dict[int, KpiState]
    measures: dict[tuple[str, int], str]  # (goal, number) → 「I-(1) 名称」

    def listing_text(self, listings: dict[tuple[str, int], int]) -> str:
        return "、".join(
            f"{key[0] or '下支え'}-({key[1]}) No {number}"
            for key, number in sorted(listings.items(), key=lambda item: _listing_order(item[0]))
        )


GOAL_ORDER = {code: index for index, code in enumerate(["I", "II", "III", "IV", ""])}


def _goal_order(code: str) -> int:
    return GOAL_ORDER.get(code, 99)


def _listing_order(key: tuple[str, int]) -> tuple[int, int]:
    return (_goal_order(key[0]), key[1])


def load_edition(edition: Edition) -> EditionState:
    """Eight queries, whatever the edition's size."""
    projects = {
        p.pk: ProjectState(p.pk, p.code, p.name, p.summary, p.predecessor_id)
        for p in Project.objects.filter(edition=edition).order_by("code")
    }
    for link in (
        ProjectBureau.objects.filter(project__edition=edition)
        .select_related("bureau")
        .order_by("project_id", "position")
    ):
        projects[link.project_id].bureaus.append(link.bureau.name)
    measures = {}
    for goal in PolicyGoal.objects.filter(edition=edition).prefetch_related("measures"):
        for measure in goal.measures.all():
            measures[(goal.code, measure.number)] = str(measure)
    for listing in Listing.objects.filter(project__edition=edition).select_related("measure__goal"):
        key = (listing.measure.goal.code, listing.measure.number)
        projects[listing.project_id].listings[key] = listing.number
    kpis = {
        k.pk: KpiState(k.pk, k.code, k.indicator, k.predecessor_id)
        for k in Kpi.objects.filter(edition=edition).order_by("code")
    }
    for value in KpiValue.objects.filter(kpi__edition=edition):
        setattr(kpis[value.kpi_id], value.kind, value.text)
    for kpi_link in ProjectKpi.objects.filter(project__edition=edition).order_by(
        "project_id", "position"
    ):
        projects[kpi_link.project_id].kpis.append(kpis[kpi_link.kpi_id].code)
    return EditionState(edition, projects, kpis, measures)


# --- The comparison -------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectRow:
    """A project added or ended (as it is in the edition that has it)."""

    code: str
    name: str
    bureaus: str
    goals: str
    listings: str


@dataclass(frozen=True)
class ProjectChange:
    code: str
    name: str
    bureaus: str
    goals: str
    fields: list[FieldDiff]


@dataclass(frozen=True)
class ListingChange:
    code: str
    name: str
    kind: str  # 「番号の変更」 or 「掲載先の変更」
    before: str
    after: str


@dataclass(frozen=True)
class KpiChange:
    code: str
    indicator: str
    target_revised: bool
    fields: list[FieldDiff]


@dataclass(frozen=True)
class Count:
    name: str
    added: int
    ended: int
    changed: int


@dataclass
class EditionComparison:
    old: Edition
    new: Edition
    added: list[ProjectRow]
    ended: list[ProjectRow]
    changed: list[ProjectChange]
    listings: list[ListingChange]
    kpis: list[KpiChange]
    by_bureau: list[Count]
    by_goal: list[Count]

    @property
    def targets_revised(self) -> list[KpiChange]:
        return [kpi for kpi in self.kpis if kpi.target_revised]


def _match(old: dict, new: dict) -> dict[int, int]:
    """new pk → old pk: by the predecessor link, otherwise by code."""
    by_code = {state.code: pk for pk, state in old.items()}
    pairs = {}
    for pk, state in new.items():
        if state.predecessor_id in old:
            pairs[pk] = state.predecessor_id
        elif state.code in by_code:
            pairs[pk] = by_code[state.code]
    return pairs


def _diff(name: str, label: str, before: str, after: str) -> list[FieldDiff]:
    if before == after:
        return []
    return [FieldDiff(name, label, before or EMPTY, after or EMPTY)]


def _row(state: ProjectState, edition: EditionState) -> ProjectRow:
    return ProjectRow(
        state.code,
        state.name,
        " ".join(state.bureaus),
        "・".join(g or "下支え" for g in state.goals),
        edition.listing_text(state.listings),
    )


def _project_fields(
    before: ProjectState, after: ProjectState, old: EditionState, new: EditionState
):
    def kpi_text(state: EditionState, codes: list[str]) -> str:
        indicators = {k.code: k.indicator for k in state.kpis.values()}
        return "\n".join(f"{code} {indicators.get(code, '')}" for code in codes)

    return [
        *_diff("name", "事業/取組名", before.name, after.name),
        *_diff("summary", "概要", before.summary, after.summary),
        *_diff("bureaus", "所管局", " ".join(before.bureaus), " ".join(after.bureaus)),
        *_diff("kpis", "KPI", kpi_text(old, before.kpis), kpi_text(new, after.kpis)),
    ]


def _listing_change(
    before: ProjectState, after: ProjectState, old: EditionState, new: EditionState
):
    if before.listings == after.listings:
        return None
    kind = "番号の変更" if set(before.listings) == set(after.listings) else "掲載先の変更"
    return ListingChange(
        after.code,
        after.name,
        kind,
        old.listing_text(before.listings) or EMPTY,
        new.listing_text(after.listings) or EMPTY,
    )


def _counts(names: Iterable[str], rows: Iterable[tuple[str, list[str]]]) -> list[Count]:
    tally: dict[str, dict[str, int]] = defaultdict(lambda: {"added": 0, "ended": 0, "changed": 0})
    for kind, keys in rows:
        for key in keys:
            tally[key][kind] += 1
    return [Count(name, **tally[name]) for name in names if name in tally]


def edition_compare(old: Edition, new: Edition) -> EditionComparison:
    """Compare ``old`` with ``new`` (usually an edition and the next one)."""
    before, after = load_edition(old), load_edition(new)
    pairs = _match(before.projects, after.projects)
    added = [p for pk, p in after.projects.items() if pk not in pairs]
    ended = [p for pk, p in before.projects.items() if pk not in set(pairs.values())]
    changed, listings = [], []
    tally: list[tuple[str, ProjectState]] = [("added", p) for p in added] + [
        ("ended", p) for p in ended
    ]
    for new_pk, old_pk in sorted(pairs.items(), key=lambda pair: after.projects[pair[0]].code):
        a, b = after.projects[new_pk], before.projects[old_pk]
        fields = _project_fields(b, a, before, after)
        if fields:
            changed.append(
                ProjectChange(
                    a.code,
                    a.name,
                    " ".join(a.bureaus),
                    "・".join(g or "下支え" for g in a.goals),
                    fields,
                )
            )
            tally.append(("changed", a))
        moved = _listing_change(b, a, before, after)
        if moved is not None:
            listings.append(moved)
    kpi_changes = []
    for new_pk, old_pk in sorted(
        _match(before.kpis, after.kpis).items(), key=lambda pair: after.kpis[pair[0]].code
    ):
        now, then = after.kpis[new_pk], before.kpis[old_pk]
        fields = [
            *_diff("indicator", "事業目標", then.indicator, now.indicator),
            *_diff("baseline", "基準値 (年度)", then.baseline, now.baseline),
            *_diff("target", "目標値", then.target, now.target),
        ]
        if fields:
            kpi_changes.append(
                KpiChange(now.code, now.indicator, now.target != then.target, fields)
            )
    bureau_names = list(
        dict.fromkeys(
            name
            for state in (*before.projects.values(), *after.projects.values())
            for name in state.bureaus
        )
    )
    order = {
        name: index for index, name in enumerate(Bureau.objects.values_list("name", flat=True))
    }
    bureau_names.sort(key=lambda name: order.get(name, 999))
    goal_labels = {g.code: g.short_label for g in PolicyGoal.objects.filter(edition=new)}
    return EditionComparison(
        old=old,
        new=new,
        added=[_row(p, after) for p in added],
        ended=[_row(p, before) for p in ended],
        changed=changed,
        listings=listings,
        kpis=kpi_changes,
        by_bureau=_counts(bureau_names, ((kind, p.bureaus) for kind, p in tally)),
        by_goal=_counts(
            [
                goal_labels.get(code, code or "下支え")
                for code in sorted(goal_labels, key=_goal_order)
            ],
            ((kind, [goal_labels.get(g, g or "下支え") for g in p.goals]) for kind, p in tally),
        ),
    )
