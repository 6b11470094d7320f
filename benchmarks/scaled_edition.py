"""The ×N edition the benchmarks build (``scale_edition``: copies of the 2024 edition's projects
and KPIs), and the city's workbook outside the application: openpyxl alone (the floors), the
edited 概要 the import measures, the rows and resource of django-import-export's baseline. Used
by benchmarks/import_export.py, pages_data.py, actual_sheet.py and editions.py."""

from __future__ import annotations

import io
from collections.abc import Sequence

#: The copies' codes end in "-02", "-03"…; the fixture's own codes (P001, K001) have no "-".
COPY_SEPARATOR = "-"
#: What the import benchmark appends to the 概要 it edits.
EDIT_SUFFIX = "（ベンチマークで追記）"


# ---------------------------------------------------------------------------------------------
# Building the scaled edition


def scale_edition(edition, copies: int) -> None:
    """Extend ``edition`` to ``copies`` copies of its original projects and KPIs (copy 1 is the
    original; copies already made are kept, so scales can be built one after the other)."""
    from django.db import transaction

    from kpis.models import Kpi, KpiValue, ProjectKpi
    from plan.models import Listing, Project, ProjectBureau
    from plan.search import search_text_of

    projects = Project.objects.filter(edition=edition)
    originals = list(projects.exclude(code__contains=COPY_SEPARATOR).order_by("code"))
    kpis = list(
        Kpi.objects.filter(edition=edition).exclude(code__contains=COPY_SEPARATOR).order_by("code")
    )
    present, remainder = divmod(projects.count(), len(originals))
    if remainder:
        raise RuntimeError("The edition holds projects that are neither originals nor copies.")
    bureau_links = list(ProjectBureau.objects.filter(project__in=originals).order_by("pk"))
    listings = list(Listing.objects.filter(project__in=originals).order_by("pk"))
    kpi_links = list(ProjectKpi.objects.filter(project__in=originals).order_by("pk"))
    values = list(KpiValue.objects.filter(kpi__in=kpis).order_by("pk"))
    widest: dict[int, int] = {}
    for listing in listings:
        widest[listing.measure_id] = max(widest.get(listing.measure_id, 0), listing.number)

    with transaction.atomic():
        for copy in range(present + 1, copies + 1):
            suffix = f"{COPY_SEPARATOR}{copy:02d}"
            new_projects = Project.objects.bulk_create(
                Project(
                    edition=edition,
                    code=f"{project.code}{suffix}",
                    name=f"{project.name}（{copy:02d}）",
                    summary=project.summary,
                    is_new=project.is_new,
                    search_text=search_text_of(
                        f"{project.code}{suffix}", f"{project.name}（{copy:02d}）", project.summary
                    ),
                )
                for project in originals
            )
            project_of = {old.pk: new.pk for old, new in zip(originals, new_projects, strict=True)}
            new_kpis = Kpi.objects.bulk_create(
                Kpi(
                    edition=edition,
                    code=f"{kpi.code}{suffix}",
                    indicator=kpi.indicator,
                    search_text=search_text_of(f"{kpi.code}{suffix}", kpi.indicator),
                )
                for kpi in kpis
            )
            kpi_of = {old.pk: new.pk for old, new in zip(kpis, new_kpis, strict=True)}
            ProjectBureau.objects.bulk_create(
                ProjectBureau(
                    project_id=project_of[link.project_id],
                    bureau_id=link.bureau_id,
                    position=link.position,
                )
                for link in bureau_links
            )
            Listing.objects.bulk_create(
                Listing(
                    measure_id=listing.measure_id,
                    project_id=project_of[listing.project_id],
                    number=listing.number + (copy - 1) * widest[listing.measure_id],
                )
                for listing in listings
            )
            KpiValue.objects.bulk_create(
                KpiValue(
                    kpi_id=kpi_of[value.kpi_id],
                    kind=value.kind,
                    text=value.text,
                    value=value.value,
                    unit=value.unit,
                    qualifier=value.qualifier,
                    fiscal_year=value.fiscal_year,
                    fiscal_year_end=value.fiscal_year_end,
                    period=value.period,
                )
                for value in values
            )
            ProjectKpi.objects.bulk_create(
                ProjectKpi(
                    project_id=project_of[link.project_id],
                    kpi_id=kpi_of[link.kpi_id],
                    position=link.position,
                )
                for link in kpi_links
            )


# ---------------------------------------------------------------------------------------------
# The workbook outside the application: openpyxl alone, edits, the baseline's rows


def sheet_values(data: bytes) -> list[tuple[str, list[tuple]]]:
    """Every sheet's title and rows of cell values (what the write floor writes)."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return [(sheet.title, list(sheet.iter_rows(values_only=True))) for sheet in workbook]
    finally:
        workbook.close()


def openpyxl_write(sheets: Sequence[tuple[str, Sequence[tuple]]]) -> bytes:
    """The write floor: openpyxl alone, write-only, no styles."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def openpyxl_read(data: bytes) -> int:
    """The read floor: openpyxl alone, read-only, every row of every sheet. Returns the cells."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True)
    cells = 0
    try:
        for sheet in workbook:
            for row in sheet.iter_rows(values_only=True):
                cells += len(row)
    finally:
        workbook.close()
    return cells


def edit_summaries(data: bytes, codes: set[str]) -> bytes:
    """The workbook with the 概要 of the given projects edited (on every row of each)."""
    from openpyxl import load_workbook

    from plan.workbook import CODE, LISTING_SHEET, SUMMARY

    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[LISTING_SHEET]
    headers = [cell.value for cell in sheet[1]]
    code_index, summary_index = headers.index(CODE), headers.index(SUMMARY)
    for row in sheet.iter_rows(min_row=2):
        if row[code_index].value in codes:
            cell = row[summary_index]
            cell.value = f"{cell.value or ''}{EDIT_SUFFIX}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def listing_dataset(sheets: Sequence[tuple[str, Sequence[tuple]]], edition):
    """The listing sheet's rows as a tablib Dataset for a default ModelResource (one row per
    listing; ``id`` is the project's pk, found by its code)."""
    import tablib

    from plan.models import Project
    from plan.workbook import CODE, LISTING_SHEET, NAME, NEW_MARK, SUMMARY

    rows = dict(sheets)[LISTING_SHEET]
    headers = list(rows[0])
    code_index, name_index = headers.index(CODE), headers.index(NAME)
    summary_index = headers.index(SUMMARY)
    ids = dict(Project.objects.filter(edition=edition).values_list("code", "pk"))
    dataset = tablib.Dataset(headers=["id", "code", "name", "summary", "is_new", "edition"])
    for row in rows[1:]:
        name = row[name_index]
        is_new = name.startswith(NEW_MARK)
        code = row[code_index]
        dataset.append(
            [
                ids[code],
                code,
                name[len(NEW_MARK) :] if is_new else name,
                row[summary_index] or "",
                is_new,
                edition.pk,
            ]
        )
    return dataset


def baseline_resource():
    """A plain django-import-export ModelResource for Project with default settings."""
    from import_export import resources

    from plan.models import Project

    class ProjectResource(resources.ModelResource):
        class Meta:
            model = Project
            fields = ("id", "code", "name", "summary", "is_new", "edition")

    return ProjectResource()
