"""Comparing the 「個別プロジェクト」 sheet with the edition: each row's goal, measure and bureaus
found in the edition, each project's values built from its rows, the checks across projects
(names, numbers) and a project's differences from the edition."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import cast

from django.db.models import Field

from accounts.models import Bureau
from kpis.models import ProjectKpi
from plan.changes.diff import FieldDiff, display, field_label
from plan.models import Listing, Measure, PolicyGoal, Project
from plan.search import normalize_for_search
from plan.workbook.columns import (
    BUREAUS,
    GOAL,
    LISTING_SHEET,
    MEASURE,
    NAME,
    NUMBER,
    SUMMARY,
    measure_label,
)
from plan.workbook.results import Issue, ListingPlacement, ListingRow, ProjectData
from plan.workbook.state import DatabaseState, StoredProject

_MEASURE_PATTERN = re.compile(r"^\(\s*(?P<number>\d+)\s*\)\s*(?P<title>.*)$", re.DOTALL)

# --- What the comparison finds besides values ---------------------------------------------------


@dataclass
class Findings:
    """Errors by project code and by KPI code, and warnings, as the comparison finds them."""

    project_errors: dict[str, list[Issue]] = field(default_factory=lambda: defaultdict(list))
    kpi_errors: dict[str, list[Issue]] = field(default_factory=lambda: defaultdict(list))
    warnings: list[Issue] = field(default_factory=list)


# --- Finding a row's goal, measure and bureaus in the edition ---------------------------------


class Places:
    """The edition's policy goals, measures and bureaus, found by what a row says (compared
    width-, case- and space-insensitively)."""

    def __init__(self, state: DatabaseState) -> None:
        self.state = state
        self.goal_by_key: dict[str, PolicyGoal] = {}
        for goal in state.goals:
            keys = [goal.label, goal.title, goal.short_label]
            if goal.code:
                keys.append(f"政策目標{goal.code}")
            for key in keys:
                self.goal_by_key.setdefault(normalize_for_search(key), goal)
        self.measure_by_number = {
            (measure.goal_id, measure.number): measure for measure in state.measures.values()
        }
        self.bureau_by_key = {
            normalize_for_search(bureau.name): bureau for bureau in state.bureaus.values()
        }

    def goal(self, text: str) -> PolicyGoal | None:
        return self.goal_by_key.get(normalize_for_search(text))

    def bureau(self, name: str) -> Bureau | None:
        return self.bureau_by_key.get(normalize_for_search(name))

    def measure(self, goal: PolicyGoal, text: str) -> tuple[Measure | None, str]:
        """The goal's measure that 「(1) title」 or a bare title names, and the title given with a
        number (empty for a bare title)."""
        match = _MEASURE_PATTERN.match(text)
        if match:
            return self.measure_by_number.get((goal.pk, int(match["number"]))), match["title"]
        key = normalize_for_search(text)
        for measure in self.state.measures.values():
            if measure.goal_id == goal.pk and normalize_for_search(measure.title) == key:
                return measure, ""
        return None, ""


def resolve_measure(row: ListingRow, places: Places, errors: list[Issue]) -> Measure | None:
    """The measure a row is listed under, or None (with the reason among ``errors``)."""
    if not row.goal or not row.measure:
        return None
    goal = places.goal(row.goal)
    if goal is None:
        errors.append(
            Issue(f"政策目標「{row.goal}」はこの版にありません", LISTING_SHEET, row.row, GOAL)
        )
        return None
    measure, title = places.measure(goal, unicodedata.normalize("NFKC", row.measure).strip())
    if measure is None:
        message = f"基本施策「{row.measure}」は「{goal.label}」にありません"
        errors.append(Issue(message, LISTING_SHEET, row.row, MEASURE))
        return None
    if title and normalize_for_search(title) != normalize_for_search(measure.title):
        message = f"基本施策の名称がこの版の「{measure_label(measure)}」と一致しません"
        errors.append(Issue(message, LISTING_SHEET, row.row, MEASURE))
        return None
    return measure


def resolve_bureaus(row: ListingRow, places: Places, errors: list[Issue]) -> tuple[int, ...] | None:
    """The row's bureaus in order, or None if any is unknown or repeated (or there are none)."""
    ids: list[int] = []
    ok = True
    for name in row.bureaus:
        bureau = places.bureau(name)
        if bureau is None:
            message = f"所管局「{name}」は登録されていません"
        elif bureau.pk in ids:
            message = f"所管局「{name}」が二度書かれています"
        else:
            ids.append(bureau.pk)
            continue
        errors.append(Issue(message, LISTING_SHEET, row.row, BUREAUS))
        ok = False
    return tuple(ids) if ok and ids else None


# --- A project's values from its rows -----------------------------------------------------------


def group_listing_rows(rows: Iterable[ListingRow]) -> dict[str, list[ListingRow]]:
    """The rows of each project code, in the order of their first rows."""
    groups: dict[str, list[ListingRow]] = {}
    for row in rows:
        if row.code:
            groups.setdefault(row.code, []).append(row)
    return groups


def check_rows_agree(code: str, rows: list[ListingRow], errors: list[Issue]) -> None:
    """The rows of one project must agree on the project's own columns (所管局, 事業/取組名, 概要)."""
    first = rows[0]
    for row in rows[1:]:
        same = {
            BUREAUS: [normalize_for_search(b) for b in row.bureaus]
            == [normalize_for_search(b) for b in first.bureaus],
            NAME: (row.name, row.is_new) == (first.name, first.is_new),
            SUMMARY: row.summary == first.summary,
        }
        for header in (header for header, agrees in same.items() if not agrees):
            message = (
                f"同じ事業コード {code} の {first.row}行目と内容が異なります "
                "(同じ事業の行はすべて同じ内容にしてください)"
            )
            errors.append(Issue(message, LISTING_SHEET, row.row, header))


@dataclass
class BuiltProjects:
    """The projects whose rows could all be read and resolved, and the measure of each row that
    resolved (by row number), which the check of numbers names."""

    data: dict[str, ProjectData] = field(default_factory=dict)
    row_measures: dict[int, Measure] = field(default_factory=dict)


def build_projects(
    groups: dict[str, list[ListingRow]], places: Places, findings: Findings
) -> BuiltProjects:
    built = BuiltProjects()
    for code, rows in groups.items():
        data = build_project(code, rows, places, built.row_measures, findings.project_errors[code])
        if data is not None:
            built.data[code] = data
    return built


def build_project(
    code: str,
    rows: list[ListingRow],
    places: Places,
    row_measures: dict[int, Measure],
    errors: list[Issue],
) -> ProjectData | None:
    """The project's values (without its KPIs), or None if any of its cells could not be used:
    an empty value must never be taken for a change."""
    check_rows_agree(code, rows, errors)
    first = rows[0]
    bureau_ids = resolve_bureaus(first, places, errors)
    placements = _placements(rows, places, row_measures, errors)
    if placements is None or bureau_ids is None or not first.name:
        return None
    if any(row.errors for row in rows):
        return None
    return ProjectData(
        code=code,
        name=first.name,
        is_new=first.is_new,
        summary=first.summary,
        bureau_ids=bureau_ids,
        listings=tuple(placements),
        kpi_codes=(),
    )


def _placements(
    rows: list[ListingRow],
    places: Places,
    row_measures: dict[int, Measure],
    errors: list[Issue],
) -> list[ListingPlacement] | None:
    """The project's listings, one a row; None if a row's measure or No is missing or a measure
    is given twice (every row is still checked, for its errors)."""
    placements: list[ListingPlacement] = []
    rows_by_measure: dict[int, int] = {}
    complete = True
    for row in rows:
        measure = resolve_measure(row, places, errors)
        if measure is None or row.number is None:
            complete = False
            continue
        if measure.pk in rows_by_measure:
            message = (
                f"この事業は {rows_by_measure[measure.pk]}行目で同じ基本施策に掲載されています"
            )
            errors.append(Issue(message, LISTING_SHEET, row.row, MEASURE))
            complete = False
            continue
        rows_by_measure[measure.pk] = row.row
        row_measures[row.row] = measure
        placements.append(ListingPlacement(measure.pk, row.number))
    return placements if complete else None


# --- Checks across projects, on the edition as it would be after the import --------------------


def check_names(
    groups: dict[str, list[ListingRow]],
    data: dict[str, ProjectData],
    state: DatabaseState,
    findings: Findings,
) -> None:
    """A project name is used by one project of the edition only."""
    owner: dict[str, str] = {
        project.name: code for code, project in state.projects.items() if code not in groups
    }
    for code, project in data.items():
        other = owner.get(project.name)
        if other is None or other == code:
            owner[project.name] = code
            continue
        message = (
            f"事業/取組名「{project.name}」は事業コード {other} の事業と同じです "
            "(版の中で同じ名前は一つの事業にしか使えません)"
        )
        findings.project_errors[code].append(
            Issue(message, LISTING_SHEET, groups[code][0].row, NAME)
        )


def check_numbers(
    groups: dict[str, list[ListingRow]],
    built: BuiltProjects,
    state: DatabaseState,
    findings: Findings,
) -> None:
    """No two projects share a No under one measure."""
    names = {code: project.name for code, project in built.data.items()}
    for (measure_id, number), entries in _listing_occupants(groups, built, state).items():
        if len(entries) < 2:
            continue
        measure = state.measures[measure_id]
        for code, row_number in entries:
            if row_number is None:
                continue  # a project outside the file: the file's project is the one to change
            others = "、".join(
                f"「{names.get(other) or state.projects[other].name}」({other})"
                for other, _row in entries
                if other != code
            )
            message = (
                f"「{measure.goal.short_label} {measure_label(measure)}」の No {number} が "
                f"{others} と重なっています"
            )
            findings.project_errors[code].append(Issue(message, LISTING_SHEET, row_number, NUMBER))


def _listing_occupants(
    groups: dict[str, list[ListingRow]], built: BuiltProjects, state: DatabaseState
) -> dict[tuple[int, int], list[tuple[str, int | None]]]:
    """(measure, No) → the projects there after the import, each with its row (None if it is not
    in the file)."""
    occupants: dict[tuple[int, int], list[tuple[str, int | None]]] = defaultdict(list)
    for code, project in state.projects.items():
        if code not in groups:
            for measure_id, number in state.listings.get(project.pk, ()):
                occupants[(measure_id, number)].append((code, None))
    for code, data in built.data.items():
        rows_by_measure = {
            built.row_measures[row.row].pk: row.row
            for row in groups[code]
            if row.row in built.row_measures
        }
        for placement in data.listings:
            occupants[(placement.measure_id, placement.number)].append(
                (code, rows_by_measure.get(placement.measure_id))
            )
    return occupants


# --- A project's differences from the edition --------------------------------------------------


def project_changes(
    project: StoredProject, data: ProjectData, state: DatabaseState
) -> tuple[FieldDiff, ...]:
    """The project's fields that the import would change, before → after."""
    changes = [
        FieldDiff(name, field_label(Project, name), _shown(name, before), _shown(name, after))
        for name, before, after in (
            ("name", project.name, data.name),
            ("is_new", project.is_new, data.is_new),
            ("summary", project.summary, data.summary),
        )
        if before != after
    ]
    before_bureaus = tuple(state.bureau_ids.get(project.pk, ()))
    if before_bureaus != data.bureau_ids:
        before, after = bureau_names(state, before_bureaus), bureau_names(state, data.bureau_ids)
        changes.append(FieldDiff("bureaus", field_label(Project, "bureaus"), before, after))
    before_listings = state.listings.get(project.pk, set())
    after_listings = {(p.measure_id, p.number) for p in data.listings}
    if before_listings != after_listings:
        before = listing_labels(state, before_listings)
        after = listing_labels(state, after_listings)
        changes.append(FieldDiff("listings", str(Listing._meta.verbose_name), before, after))
    before_kpis = tuple(state.kpi_codes.get(project.pk, ()))
    if before_kpis != data.kpi_codes:
        changes.append(kpi_link_change(before_kpis, data.kpi_codes))
    return tuple(changes)


def _shown(name: str, value: str | bool) -> str:
    """Text as written; 「<新>」 (a boolean) as people read it."""
    if not isinstance(value, bool):
        return value
    return display(cast(Field, Project._meta.get_field(name)), value)


def kpi_link_change(before: Sequence[str], after: Sequence[str]) -> FieldDiff:
    """A project's KPIs (by code, in order) before → after."""
    label = str(ProjectKpi._meta.verbose_name)
    return FieldDiff("kpis", label, ", ".join(before), ", ".join(after))


def bureau_names(state: DatabaseState, ids: Iterable[int]) -> str:
    return " ".join(state.bureaus[pk].name for pk in ids)


def listing_labels(state: DatabaseState, placements: Iterable[tuple[int, int]]) -> str:
    """「IV-(1) No1, IV-(2) No1」, in the order of goals, measures and numbers."""

    def order(item: tuple[int, int]) -> tuple[int, int, int]:
        measure = state.measures[item[0]]
        return measure.goal.display_order, measure.number, item[1]

    labels = []
    for measure_id, number in sorted(placements, key=order):
        measure = state.measures[measure_id]
        labels.append(f"{measure.goal.short_label}-({measure.number}) No{number}")
    return ", ".join(labels)
