"""Comparing the 「KPI」 sheet with the edition: each KPI's rows and differences, the order of each
project's KPIs after the import, and the warnings about cells that are not imported as written
(the listing sheet's reference columns, structured values that disagree with their text)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import cast

from django.db.models import Field

from kpis.models import VALUE_FIELDS, Kpi, KpiValue, ValueKind
from kpis.value_text import EMPTY as EMPTY_STRUCTURE
from kpis.value_text import disagreement, parse_value_text
from plan.changes.diff import FieldDiff, display, field_label
from plan.workbook.columns import (
    BASELINE,
    INDICATOR,
    KPI_CODE,
    KPI_SHEET,
    LISTING_SHEET,
    PROJECT_CODES,
    TARGET,
    kpi_cell_texts,
    value_header,
)
from plan.workbook.compare_projects import Findings
from plan.workbook.results import Issue, KpiData, KpiRow, KpiValueData, ListingRow
from plan.workbook.state import DatabaseState, StoredKpi, StoredValue

# --- A KPI's rows and differences ---------------------------------------------------------------


def group_kpi_rows(
    rows: Iterable[KpiRow], known_projects: set[str], findings: Findings
) -> dict[str, list[KpiRow]]:
    """The rows of each KPI code (more than one is an error), each row's project codes checked."""
    groups: dict[str, list[KpiRow]] = {}
    for row in rows:
        if not row.code:
            continue
        errors = findings.kpi_errors[row.code]
        if row.code in groups:
            message = f"KPIコード {row.code} は {groups[row.code][0].row}行目と重複しています"
            errors.append(Issue(message, KPI_SHEET, row.row, KPI_CODE))
        groups.setdefault(row.code, []).append(row)
        for code in row.project_codes:
            if code not in known_projects:
                message = f"事業コード {code} の事業はこの版になく、「{LISTING_SHEET}」シートにもありません"
                errors.append(Issue(message, KPI_SHEET, row.row, PROJECT_CODES))
        if not row.project_codes and not row.errors:
            findings.warnings.append(
                Issue("どの事業にも結び付いていません", KPI_SHEET, row.row, PROJECT_CODES)
            )
    return groups


def kpi_data(code: str, row: KpiRow) -> KpiData:
    """The KPI's values after the import, from its (first) row."""
    return KpiData(
        code=code,
        indicator=row.indicator,
        baseline=row.baseline,
        target=row.target,
        project_codes=tuple(sorted(row.project_codes)),
    )


def kpi_changes(kpi: StoredKpi, data: KpiData, state: DatabaseState) -> tuple[FieldDiff, ...]:
    """The KPI's fields that the import would change, before → after."""
    changes: list[FieldDiff] = []
    if kpi.indicator != data.indicator:
        label = field_label(Kpi, "indicator")
        changes.append(FieldDiff("indicator", label, kpi.indicator, data.indicator))
    stored = state.values.get(kpi.pk, {})
    for kind, given in ((ValueKind.BASELINE, data.baseline), (ValueKind.TARGET, data.target)):
        changes += _value_changes(kind, stored.get(kind), given)
    before_projects = sorted(state.project_codes_by_kpi.get(kpi.pk, ()))
    if tuple(before_projects) != data.project_codes:
        before, after = ", ".join(before_projects), ", ".join(data.project_codes)
        changes.append(FieldDiff("projects", field_label(Kpi, "projects"), before, after))
    return tuple(changes)


def _value_changes(
    kind: str, before: StoredValue | None, after: KpiValueData | None
) -> list[FieldDiff]:
    """The parts of a baseline or target that would change (「目標値 数値」 1400 → 1500)."""
    changes = []
    for name in VALUE_FIELDS:
        old = _part_text(name, getattr(before, name) if before is not None else None)
        new = _part_text(name, getattr(after, name) if after is not None else None)
        if old != new:
            label = f"{ValueKind(kind).label} {field_label(KpiValue, name)}"
            changes.append(FieldDiff(f"{kind}.{name}", label, old, new))
    return changes


def _part_text(name: str, value: object) -> str:
    """A part of a value as people read it, empty as "": the number as people write it
    (plan.changes.diff), the qualifier as itself (「▲」, not its choice label 「▲ (削減)」), the period by its label."""
    if name == "qualifier":
        return str(value or "")
    return display(cast(Field, KpiValue._meta.get_field(name)), value, empty="")


def check_structured_values(
    row: KpiRow, kpi: StoredKpi | None, state: DatabaseState, findings: Findings
) -> None:
    """Refuse a new or changed value whose 数値・単位・修飾語 contradict its text (an error, naming
    both); warn where only its 年度 cells read otherwise than the text."""
    stored = state.values.get(kpi.pk, {}) if kpi is not None else {}
    for kind, given in ((ValueKind.BASELINE, row.baseline), (ValueKind.TARGET, row.target)):
        if given is None:
            continue
        before = stored.get(kind)
        if before is not None and _value_tuple(before) == _value_tuple(given):
            continue
        contradiction = disagreement(given.text, given.value, given.unit, given.qualifier)
        if contradiction is not None:
            findings.kpi_errors[row.code].append(
                Issue(contradiction, KPI_SHEET, row.row, value_header(kind, "数値"))
            )
            continue
        parsed = parse_value_text(given.text)
        if parsed == EMPTY_STRUCTURE:
            continue
        read = (
            parsed.value,
            parsed.unit,
            parsed.qualifier,
            parsed.fiscal_year,
            parsed.fiscal_year_end,
            parsed.period,
        )
        if read != _value_tuple(given)[1:]:
            message = "表記から読み取れる数値・単位・修飾語・年度が、その右の欄と一致しません。確かめてください"
            findings.warnings.append(Issue(message, KPI_SHEET, row.row, value_header(kind, "表記")))


def _value_tuple(value: StoredValue | KpiValueData) -> tuple:
    return tuple(getattr(value, name) for name in VALUE_FIELDS)


# --- The order of each project's KPIs -----------------------------------------------------------


class KpiOrder:
    """Each project's KPIs after the import: in the order of the 「KPI」 sheet's rows where the file
    has them, in their old places where it does not."""

    def __init__(self, kpi_groups: dict[str, list[KpiRow]], state: DatabaseState) -> None:
        self.state = state
        self.in_file = set(kpi_groups)
        self.file_order: dict[str, list[str]] = defaultdict(list)
        for code, rows in kpi_groups.items():
            for project_code in rows[0].project_codes:
                self.file_order[project_code].append(code)

    def before(self, project_code: str) -> tuple[str, ...]:
        project = self.state.projects.get(project_code)
        return tuple(self.state.kpi_codes.get(project.pk, ())) if project is not None else ()

    def after(self, project_code: str) -> tuple[str, ...]:
        return merge_kpi_order(
            self.before(project_code), self.file_order.get(project_code, []), self.in_file
        )


def merge_kpi_order(
    db_codes: Sequence[str], file_codes: Sequence[str], in_file: set[str]
) -> tuple[str, ...]:
    """KPIs not in the file keep their places; the places of those in the file are taken by the
    file's KPIs in the order of its rows; newly linked KPIs come last."""
    queue = iter(file_codes)
    merged: list[str] = []
    for code in db_codes:
        if code in in_file:
            following = next(queue, None)
            if following is not None:
                merged.append(following)
        else:
            merged.append(code)
    merged.extend(queue)
    return tuple(merged)


# --- The listing sheet's reference columns ------------------------------------------------------


def check_reference_columns(
    project_groups: dict[str, list[ListingRow]],
    kpi_groups: dict[str, list[KpiRow]],
    order: KpiOrder,
    findings: Findings,
) -> None:
    """The reference columns (事業目標, 基準値(年度), 目標値) are not imported: warn where a row's
    differ both from the KPIs after the import and from the edition's (that is, were edited), so
    that KPIs are changed on the 「KPI」 sheet."""
    state = order.state
    for code, rows in project_groups.items():
        accepted = [
            kpi_cell_texts([kpi_texts(kpi, kpi_groups, state) for kpi in order.after(code)])
        ]
        if code in state.projects:
            accepted.append(
                kpi_cell_texts([kpi_texts(kpi, {}, state) for kpi in order.before(code)])
            )
        for row in rows:
            _check_row_reference_columns(row, accepted, findings)


def kpi_texts(
    code: str, kpi_groups: dict[str, list[KpiRow]], state: DatabaseState
) -> tuple[str, str, str]:
    """The KPI's (事業目標, baseline text, target text): the file's if it has the KPI, else the
    edition's."""
    if code in kpi_groups:
        row = kpi_groups[code][0]
        return (
            row.indicator,
            row.baseline.text if row.baseline else "",
            row.target.text if row.target else "",
        )
    kpi = state.kpis[code]
    values = state.values.get(kpi.pk, {})
    baseline, target = values.get(ValueKind.BASELINE), values.get(ValueKind.TARGET)
    return kpi.indicator, baseline.text if baseline else "", target.text if target else ""


def _check_row_reference_columns(
    row: ListingRow, accepted: list[tuple[str, str, str]], findings: Findings
) -> None:
    """One warning a row at most, on its first edited reference column."""
    for index, (header, given) in enumerate(
        ((INDICATOR, row.indicator), (BASELINE, row.baseline), (TARGET, row.target))
    ):
        if given is None or any(given == texts[index] for texts in accepted):
            continue
        message = f"この列は参照用で取り込みません。KPI は「{KPI_SHEET}」シートで変えてください"
        findings.warnings.append(Issue(message, LISTING_SHEET, row.row, header))
        return
