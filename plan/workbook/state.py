"""The edition as stored, loaded as values for the comparison."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from accounts.models import Bureau
from kpis.models import VALUE_FIELDS, Kpi, KpiValue, ProjectKpi
from plan.models import Edition, Listing, Measure, PolicyGoal, Project, ProjectBureau

# ---------------------------------------------------------------------------------------------
# Comparing with the database


class StoredProject(NamedTuple):
    pk: int
    code: str
    name: str
    summary: str
    is_new: bool


class StoredKpi(NamedTuple):
    pk: int
    code: str
    indicator: str


class StoredValue(NamedTuple):
    """A KpiValue's values (attributes named as in the model)."""

    text: str
    value: Decimal | None
    unit: str
    qualifier: str
    fiscal_year: int | None
    fiscal_year_end: int | None
    period: str


@dataclass
class DatabaseState:
    """An edition's content read at once (a fixed number of queries; projects and KPIs as
    values, no model instances). Comparison works on this alone."""

    goals: list[PolicyGoal]
    measures: dict[int, Measure]
    bureaus: dict[int, Bureau]
    projects: dict[str, StoredProject]
    bureau_ids: dict[int, list[int]]
    listings: dict[int, set[tuple[int, int]]]
    kpi_codes: dict[int, list[str]]
    kpis: dict[str, StoredKpi]
    values: dict[int, dict[str, StoredValue]]
    project_codes_by_kpi: dict[int, set[str]]

    @classmethod
    def load(cls, edition: Edition) -> DatabaseState:
        goals = list(PolicyGoal.objects.filter(edition=edition))
        goals_by_id = {goal.pk: goal for goal in goals}
        measures = {}
        for measure in Measure.objects.filter(goal__edition=edition):
            measure.goal = goals_by_id[measure.goal_id]
            measures[measure.pk] = measure
        projects = {
            row[1]: StoredProject(*row)
            for row in Project.objects.filter(edition=edition)
            .order_by()
            .values_list("pk", "code", "name", "summary", "is_new")
        }
        code_by_id = {project.pk: project.code for project in projects.values()}
        bureau_ids: dict[int, list[int]] = defaultdict(list)
        for project_id, bureau_id in (
            ProjectBureau.objects.filter(project__edition=edition)
            .order_by("project", "position")
            .values_list("project_id", "bureau_id")
        ):
            bureau_ids[project_id].append(bureau_id)
        listings: dict[int, set[tuple[int, int]]] = defaultdict(set)
        for project_id, measure_id, number in (
            Listing.objects.filter(project__edition=edition)
            .order_by()
            .values_list("project_id", "measure_id", "number")
        ):
            listings[project_id].add((measure_id, number))
        kpis = {
            row[1]: StoredKpi(*row)
            for row in Kpi.objects.filter(edition=edition)
            .order_by()
            .values_list("pk", "code", "indicator")
        }
        kpi_code_by_id = {kpi.pk: kpi.code for kpi in kpis.values()}
        kpi_codes: dict[int, list[str]] = defaultdict(list)
        project_codes_by_kpi: dict[int, set[str]] = defaultdict(set)
        for project_id, kpi_id in (
            ProjectKpi.objects.filter(project__edition=edition)
            .order_by("project", "position")
            .values_list("project_id", "kpi_id")
        ):
            kpi_codes[project_id].append(kpi_code_by_id[kpi_id])
            project_codes_by_kpi[kpi_id].add(code_by_id[project_id])
        values: dict[int, dict[str, StoredValue]] = defaultdict(dict)
        for kpi_id, kind, *fields in (
            KpiValue.objects.filter(kpi__edition=edition)
            .order_by()
            .values_list("kpi_id", "kind", *VALUE_FIELDS)
        ):
            values[kpi_id][kind] = StoredValue(*fields)
        return cls(
            goals=goals,
            measures=measures,
            bureaus={bureau.pk: bureau for bureau in Bureau.objects.all()},
            projects=projects,
            bureau_ids=bureau_ids,
            listings=listings,
            kpi_codes=kpi_codes,
            kpis=kpis,
            values=values,
            project_codes_by_kpi=project_codes_by_kpi,
        )
