"""Comparing a read workbook with the edition: what importing it would change.

The steps, in order: the 「個別プロジェクト」 sheet's projects (``compare_projects``: rows resolved
against the edition's goals, measures and bureaus, values built, names and numbers checked), the
「KPI」 sheet's KPIs and the order of each project's KPIs (``compare_kpis``), the warnings about the
reference columns, and last the previews of projects and KPIs with their differences.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from plan.changes.diff import FieldDiff
from plan.models import Edition
from plan.workbook.compare_kpis import (
    KpiOrder,
    check_reference_columns,
    check_structured_values,
    group_kpi_rows,
    kpi_changes,
    kpi_data,
)
from plan.workbook.compare_projects import (
    BuiltProjects,
    Findings,
    Places,
    build_projects,
    check_names,
    check_numbers,
    group_listing_rows,
    kpi_link_change,
    project_changes,
)
from plan.workbook.results import (
    Issue,
    KpiPreview,
    KpiRow,
    ListingPlacement,
    ListingRow,
    Preview,
    ProjectData,
    ProjectPreview,
    Status,
    WorkbookContents,
)
from plan.workbook.state import DatabaseState


def compare_with_database(contents: WorkbookContents, *, edition: Edition) -> Preview:
    """Compare the content read with the edition's database: each project and KPI is new,
    changed (with a field-by-field diff), unchanged or in error. Writes nothing. The number of
    queries does not depend on the rows (read once, then compared).

    Errors: an unregistered 「所管局」, a 「政策目標」 or 「基本施策」 not in this edition, rows
    of one 「事業コード」 that disagree, a project listed twice under one 「基本施策」, two
    listings with the same No. in one 「基本施策」 after the import, a 「事業/取組名」 repeated in
    the edition, a repeated 「KPIコード」 on the 「KPI」 sheet, and a 「事業コード」 neither in the
    edition nor in the file.
    """
    state = DatabaseState.load(edition)
    findings = Findings()

    project_groups = group_listing_rows(contents.listing_rows)
    built = build_projects(project_groups, Places(state), findings)
    check_names(project_groups, built.data, state, findings)
    check_numbers(project_groups, built, state, findings)

    known_projects = set(state.projects) | set(project_groups)
    kpi_groups = group_kpi_rows(contents.kpi_rows, known_projects, findings)
    order = KpiOrder(kpi_groups, state)
    check_reference_columns(project_groups, kpi_groups, order, findings)

    projects = _project_previews(project_groups, built, order, findings)
    projects += _link_only_previews(set(project_groups), order)
    kpis = _kpi_previews(kpi_groups, state, findings)
    return Preview(
        edition_id=edition.pk,
        projects=projects,
        kpis=kpis,
        errors=_all_errors(contents, [*projects, *kpis]),
        warnings=sorted([*contents.warnings, *findings.warnings], key=lambda i: i.sort_key),
    )


def _project_previews(
    groups: dict[str, list[ListingRow]], built: BuiltProjects, order: KpiOrder, findings: Findings
) -> list[ProjectPreview]:
    """The file's projects, in the order of their first rows."""
    state = order.state
    previews = []
    for code, rows in groups.items():
        data = built.data.get(code)
        if data is not None:
            data = dataclasses.replace(data, kpi_codes=order.after(code))
        existing = state.projects.get(code)
        errors = _row_errors(rows) + tuple(findings.project_errors.get(code, []))
        changes = project_changes(existing, data, state) if existing and data else ()
        previews.append(
            ProjectPreview(
                code=code,
                status=_status(errors, existing, changes),
                rows=tuple(row.row for row in rows),
                project_id=existing.pk if existing else None,
                data=data,
                changes=changes,
                errors=errors,
            )
        )
    return previews


def _link_only_previews(in_file: set[str], order: KpiOrder) -> list[ProjectPreview]:
    """Projects outside the file whose KPIs change (a shared KPI's project codes changed)."""
    state = order.state
    previews = []
    for code in sorted(set(state.projects) - in_file):
        before, after = order.before(code), order.after(code)
        if before == after:
            continue
        project = state.projects[code]
        data = ProjectData(
            code=code,
            name=project.name,
            is_new=project.is_new,
            summary=project.summary,
            bureau_ids=tuple(state.bureau_ids.get(project.pk, ())),
            listings=tuple(
                ListingPlacement(measure_id, number)
                for measure_id, number in sorted(state.listings.get(project.pk, ()))
            ),
            kpi_codes=after,
        )
        previews.append(
            ProjectPreview(
                code=code,
                status=Status.CHANGED,
                rows=(),
                project_id=project.pk,
                data=data,
                changes=(kpi_link_change(before, after),),
            )
        )
    return previews


def _kpi_previews(
    groups: dict[str, list[KpiRow]], state: DatabaseState, findings: Findings
) -> list[KpiPreview]:
    """The file's KPIs, in the order of their first rows."""
    previews = []
    for code, rows in groups.items():
        first = rows[0]
        existing = state.kpis.get(code)
        if not first.errors:
            check_structured_values(first, existing, state, findings)
        errors = _row_errors(rows) + tuple(findings.kpi_errors.get(code, []))
        data = kpi_data(code, first)
        changes: tuple[FieldDiff, ...] = ()
        if not first.errors:
            changes = kpi_changes(existing, data, state) if existing else ()
        previews.append(
            KpiPreview(
                code=code,
                status=_status(errors, existing, changes),
                rows=tuple(row.row for row in rows),
                kpi_id=existing.pk if existing else None,
                data=data if not first.errors else None,
                changes=changes,
                errors=errors,
            )
        )
    return previews


def _row_errors(rows: Sequence[ListingRow | KpiRow]) -> tuple[Issue, ...]:
    return tuple(issue for row in rows for issue in row.errors)


def _all_errors(
    contents: WorkbookContents, items: Sequence[ProjectPreview | KpiPreview]
) -> list[Issue]:
    """The file's errors and every item's, each once, in the order of sheets and rows."""
    errors = list(contents.errors)
    already = set(errors)
    for item in items:
        errors.extend(issue for issue in item.errors if issue not in already)
    errors.sort(key=lambda issue: issue.sort_key)
    return errors


def _status(errors: Sequence[Issue], existing: object, changes: Sequence[FieldDiff]) -> Status:
    if errors:
        return Status.ERROR
    if existing is None:
        return Status.NEW
    return Status.CHANGED if changes else Status.UNCHANGED
