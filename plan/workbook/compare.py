"""Comparing a read workbook with the edition: what importing it would change."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence

from kpis.models import VALUE_FIELDS, Kpi, KpiValue, ProjectKpi, ValueKind
from kpis.value_text import EMPTY as EMPTY_STRUCTURE
from kpis.value_text import parse_value_text
from plan.models import Edition, Listing, Measure, PolicyGoal, Project
from plan.workbook.columns import (
    BASELINE,
    BUREAUS,
    GOAL,
    INDICATOR,
    KPI_CODE,
    KPI_SHEET,
    LISTING_SHEET,
    MEASURE,
    NAME,
    NUMBER,
    PROJECT_CODES,
    SUMMARY,
    TARGET,
    kpi_cell_texts,
    measure_label,
    normalize_key,
    value_header,
)
from plan.workbook.results import (
    FieldChange,
    Issue,
    KpiData,
    KpiPreview,
    KpiRow,
    KpiValueData,
    ListingPlacement,
    ListingRow,
    Preview,
    ProjectData,
    ProjectPreview,
    Status,
    WorkbookContents,
)
from plan.workbook.state import (
    DatabaseState,
    StoredKpi,
    StoredProject,
    StoredValue,
    field_label,
    value_display,
    yes_no,
)

_MEASURE_PATTERN = re.compile(r"^\(\s*(?P<number>\d+)\s*\)\s*(?P<title>.*)$", re.DOTALL)


class _Comparison:
    """ファイルの中身と版の中身を突き合わせる (メモリ上だけで)。"""

    def __init__(self, contents: WorkbookContents, state: DatabaseState) -> None:
        self.contents = contents
        self.state = state
        self.goal_by_key: dict[str, PolicyGoal] = {}
        for goal in state.goals:
            keys = [goal.label, goal.title, goal.short_label]
            if goal.code:
                keys.append(f"政策目標{goal.code}")
            for key in keys:
                self.goal_by_key.setdefault(normalize_key(key), goal)
        self.measure_by_number = {
            (measure.goal_id, measure.number): measure for measure in state.measures.values()
        }
        self.bureau_by_key = {
            normalize_key(bureau.name): bureau for bureau in state.bureaus.values()
        }
        #: 行番号 → 解決できた基本施策 (build_project が記録し、check_numbers が使う)。
        self.row_measures: dict[int, Measure] = {}
        self.project_errors: dict[str, list[Issue]] = defaultdict(list)
        self.kpi_errors: dict[str, list[Issue]] = defaultdict(list)
        self.warnings: list[Issue] = []

    # 事業 ----------------------------------------------------------------------------------

    def group_listing_rows(self) -> dict[str, list[ListingRow]]:
        groups: dict[str, list[ListingRow]] = {}
        for row in self.contents.listing_rows:
            if row.code:
                groups.setdefault(row.code, []).append(row)
        return groups

    def resolve_measure(self, row: ListingRow) -> Measure | None:
        errors = self.project_errors[row.code]
        if not row.goal or not row.measure:
            return None
        goal = self.goal_by_key.get(normalize_key(row.goal))
        if goal is None:
            errors.append(
                Issue(f"政策目標「{row.goal}」はこの版にありません", LISTING_SHEET, row.row, GOAL)
            )
            return None
        text = unicodedata.normalize("NFKC", row.measure).strip()
        match = _MEASURE_PATTERN.match(text)
        if match:
            measure = self.measure_by_number.get((goal.pk, int(match["number"])))
            title = match["title"]
        else:
            measure = next(
                (
                    m
                    for m in self.state.measures.values()
                    if m.goal_id == goal.pk and normalize_key(m.title) == normalize_key(text)
                ),
                None,
            )
            title = ""
        if measure is None:
            errors.append(
                Issue(
                    f"基本施策「{row.measure}」は「{goal.label}」にありません",
                    LISTING_SHEET,
                    row.row,
                    MEASURE,
                )
            )
            return None
        if title and normalize_key(title) != normalize_key(measure.title):
            errors.append(
                Issue(
                    f"基本施策の名称がこの版の「{measure_label(measure)}」と一致しません",
                    LISTING_SHEET,
                    row.row,
                    MEASURE,
                )
            )
            return None
        return measure

    def resolve_bureaus(self, row: ListingRow) -> tuple[int, ...] | None:
        ids: list[int] = []
        ok = True
        for name in row.bureaus:
            bureau = self.bureau_by_key.get(normalize_key(name))
            if bureau is None:
                self.project_errors[row.code].append(
                    Issue(f"所管局「{name}」は登録されていません", LISTING_SHEET, row.row, BUREAUS)
                )
                ok = False
            elif bureau.pk in ids:
                self.project_errors[row.code].append(
                    Issue(f"所管局「{name}」が二度書かれています", LISTING_SHEET, row.row, BUREAUS)
                )
                ok = False
            else:
                ids.append(bureau.pk)
        return tuple(ids) if ok and ids else None

    def check_rows_agree(self, code: str, rows: list[ListingRow]) -> None:
        """同じ事業の行は、事業そのものの欄 (所管局・事業/取組名・概要) が同じでなければならない。"""
        first = rows[0]
        for row in rows[1:]:
            differing = [
                header
                for header, same in (
                    (
                        BUREAUS,
                        [normalize_key(b) for b in row.bureaus]
                        == [normalize_key(b) for b in first.bureaus],
                    ),
                    (NAME, (row.name, row.is_new) == (first.name, first.is_new)),
                    (SUMMARY, row.summary == first.summary),
                )
                if not same
            ]
            for header in differing:
                self.project_errors[code].append(
                    Issue(
                        f"同じ事業コード {code} の {first.row}行目と内容が異なります "
                        "(同じ事業の行はすべて同じ内容にしてください)",
                        LISTING_SHEET,
                        row.row,
                        header,
                    )
                )

    def build_project(self, code: str, rows: list[ListingRow]) -> ProjectData | None:
        self.check_rows_agree(code, rows)
        first = rows[0]
        bureau_ids = self.resolve_bureaus(first)
        placements: list[ListingPlacement] = []
        rows_by_measure: dict[int, int] = {}
        complete = bureau_ids is not None and bool(first.name)
        for row in rows:
            measure = self.resolve_measure(row)
            if measure is None or row.number is None:
                complete = False
                continue
            if measure.pk in rows_by_measure:
                self.project_errors[code].append(
                    Issue(
                        f"この事業は {rows_by_measure[measure.pk]}行目で同じ基本施策に掲載されています",
                        LISTING_SHEET,
                        row.row,
                        MEASURE,
                    )
                )
                complete = False
                continue
            rows_by_measure[measure.pk] = row.row
            self.row_measures[row.row] = measure
            placements.append(ListingPlacement(measure.pk, row.number))
        if not complete or bureau_ids is None or any(row.errors for row in rows):
            return None  # 読めなかった欄があれば値を組み立てない (空の欄を差分と見誤らないため)
        return ProjectData(
            code=code,
            name=first.name,
            is_new=first.is_new,
            summary=first.summary,
            bureau_ids=bureau_ids,
            listings=tuple(placements),
            kpi_codes=(),
        )

    def check_names(
        self, groups: dict[str, list[ListingRow]], data: dict[str, ProjectData]
    ) -> None:
        """版の中で事業/取組名は一つの事業にしか使えない (取り込んだ後の状態で確かめる)。"""
        owner: dict[str, str] = {
            project.name: code
            for code, project in self.state.projects.items()
            if code not in groups
        }
        for code, project in data.items():
            other = owner.get(project.name)
            if other is not None and other != code:
                self.project_errors[code].append(
                    Issue(
                        f"事業/取組名「{project.name}」は事業コード {other} の事業と同じです "
                        "(版の中で同じ名前は一つの事業にしか使えません)",
                        LISTING_SHEET,
                        groups[code][0].row,
                        NAME,
                    )
                )
            else:
                owner[project.name] = code

    def check_numbers(
        self, groups: dict[str, list[ListingRow]], data: dict[str, ProjectData]
    ) -> None:
        """取り込んだ後に、一つの基本施策の中で No が重ならないこと。"""
        occupants: dict[tuple[int, int], list[tuple[str, int | None]]] = defaultdict(list)
        for code, project in self.state.projects.items():
            if code not in groups:
                for measure_id, number in self.state.listings.get(project.pk, ()):
                    occupants[(measure_id, number)].append((code, None))
        for code, project in data.items():
            rows_by_measure = {
                self.row_measures[row.row].pk: row.row
                for row in groups[code]
                if row.row in self.row_measures
            }
            for placement in project.listings:
                occupants[(placement.measure_id, placement.number)].append(
                    (code, rows_by_measure.get(placement.measure_id))
                )
        names = {code: project.name for code, project in data.items()}
        for (measure_id, number), entries in occupants.items():
            if len(entries) < 2:
                continue
            measure = self.state.measures[measure_id]
            for code, row_number in entries:
                if row_number is None:
                    continue
                others = "、".join(
                    f"「{names.get(other) or self.state.projects[other].name}」({other})"
                    for other, _row in entries
                    if other != code
                )
                self.project_errors[code].append(
                    Issue(
                        f"「{measure.goal.short_label} {measure_label(measure)}」の No {number} が "
                        f"{others} と重なっています",
                        LISTING_SHEET,
                        row_number,
                        NUMBER,
                    )
                )

    def project_changes(self, project: StoredProject, data: ProjectData) -> tuple[FieldChange, ...]:
        state = self.state
        changes: list[FieldChange] = []
        if project.name != data.name:
            changes.append(
                FieldChange("name", field_label(Project, "name"), project.name, data.name)
            )
        if project.is_new != data.is_new:
            changes.append(
                FieldChange(
                    "is_new",
                    field_label(Project, "is_new"),
                    yes_no(project.is_new),
                    yes_no(data.is_new),
                )
            )
        if project.summary != data.summary:
            changes.append(
                FieldChange(
                    "summary", field_label(Project, "summary"), project.summary, data.summary
                )
            )
        before_bureaus = tuple(state.bureau_ids.get(project.pk, ()))
        if before_bureaus != data.bureau_ids:
            changes.append(
                FieldChange(
                    "bureaus",
                    field_label(Project, "bureaus"),
                    self._bureau_names(before_bureaus),
                    self._bureau_names(data.bureau_ids),
                )
            )
        before_listings = state.listings.get(project.pk, set())
        after_listings = {(p.measure_id, p.number) for p in data.listings}
        if before_listings != after_listings:
            changes.append(
                FieldChange(
                    "listings",
                    str(Listing._meta.verbose_name),
                    self._listing_labels(before_listings),
                    self._listing_labels(after_listings),
                )
            )
        before_kpis = tuple(state.kpi_codes.get(project.pk, ()))
        if before_kpis != data.kpi_codes:
            changes.append(self._kpi_link_change(before_kpis, data.kpi_codes))
        return tuple(changes)

    @staticmethod
    def _kpi_link_change(before: Sequence[str], after: Sequence[str]) -> FieldChange:
        return FieldChange(
            "kpis", str(ProjectKpi._meta.verbose_name), ", ".join(before), ", ".join(after)
        )

    def _bureau_names(self, ids: Iterable[int]) -> str:
        return " ".join(self.state.bureaus[pk].name for pk in ids)

    def _listing_labels(self, placements: Iterable[tuple[int, int]]) -> str:
        def order(item: tuple[int, int]) -> tuple[int, int, int]:
            measure = self.state.measures[item[0]]
            return measure.goal.display_order, measure.number, item[1]

        labels = []
        for measure_id, number in sorted(placements, key=order):
            measure = self.state.measures[measure_id]
            labels.append(f"{measure.goal.short_label}-({measure.number}) No{number}")
        return ", ".join(labels)

    # KPI ------------------------------------------------------------------------------------

    def group_kpi_rows(self, known_projects: set[str]) -> dict[str, list[KpiRow]]:
        groups: dict[str, list[KpiRow]] = {}
        for row in self.contents.kpi_rows:
            if not row.code:
                continue
            if row.code in groups:
                first = groups[row.code][0]
                self.kpi_errors[row.code].append(
                    Issue(
                        f"KPIコード {row.code} は {first.row}行目と重複しています",
                        KPI_SHEET,
                        row.row,
                        KPI_CODE,
                    )
                )
            groups.setdefault(row.code, []).append(row)
            for code in row.project_codes:
                if code not in known_projects:
                    self.kpi_errors[row.code].append(
                        Issue(
                            f"事業コード {code} の事業はこの版になく、「{LISTING_SHEET}」シートにもありません",
                            KPI_SHEET,
                            row.row,
                            PROJECT_CODES,
                        )
                    )
            if not row.project_codes and not row.errors:
                self.warnings.append(
                    Issue("どの事業にも結び付いていません", KPI_SHEET, row.row, PROJECT_CODES)
                )
        return groups

    def kpi_changes(self, kpi: StoredKpi, data: KpiData) -> tuple[FieldChange, ...]:
        changes: list[FieldChange] = []
        if kpi.indicator != data.indicator:
            changes.append(
                FieldChange(
                    "indicator", field_label(Kpi, "indicator"), kpi.indicator, data.indicator
                )
            )
        stored = self.state.values.get(kpi.pk, {})
        for kind, given in ((ValueKind.BASELINE, data.baseline), (ValueKind.TARGET, data.target)):
            before = stored.get(kind)
            for field_name in VALUE_FIELDS:
                old = getattr(before, field_name) if before is not None else None
                new = getattr(given, field_name) if given is not None else None
                if value_display(field_name, old) != value_display(field_name, new):
                    changes.append(
                        FieldChange(
                            f"{kind}.{field_name}",
                            f"{ValueKind(kind).label} {field_label(KpiValue, field_name)}",
                            value_display(field_name, old),
                            value_display(field_name, new),
                        )
                    )
        before_projects = sorted(self.state.project_codes_by_kpi.get(kpi.pk, ()))
        if tuple(before_projects) != data.project_codes:
            changes.append(
                FieldChange(
                    "projects",
                    field_label(Kpi, "projects"),
                    ", ".join(before_projects),
                    ", ".join(data.project_codes),
                )
            )
        return tuple(changes)

    def kpi_texts(self, code: str, kpi_groups: dict[str, list[KpiRow]]) -> tuple[str, str, str]:
        """KPI の (事業目標, 基準値の表記, 目標値の表記)。ファイルにあればファイルの、なければ版のもの。"""
        if code in kpi_groups:
            row = kpi_groups[code][0]
            return (
                row.indicator,
                row.baseline.text if row.baseline else "",
                row.target.text if row.target else "",
            )
        kpi = self.state.kpis[code]
        values = self.state.values.get(kpi.pk, {})
        baseline, target = values.get(ValueKind.BASELINE), values.get(ValueKind.TARGET)
        return kpi.indicator, baseline.text if baseline else "", target.text if target else ""

    def check_reference_columns(
        self, row: ListingRow, accepted: Iterable[tuple[str, str, str]]
    ) -> None:
        """参照用の三列 (事業目標・基準値(年度)・目標値) は取り込まない。取り込み後の KPI とも、版の
        いまの KPI とも違う (= 書き換えられた) ときだけ、KPI は「KPI」シートで変えるよう警告する。"""
        accepted = list(accepted)
        for index, (header, given) in enumerate(
            ((INDICATOR, row.indicator), (BASELINE, row.baseline), (TARGET, row.target))
        ):
            if given is None or any(given == texts[index] for texts in accepted):
                continue
            self.warnings.append(
                Issue(
                    f"この列は参照用で取り込みません。KPI は「{KPI_SHEET}」シートで変えてください",
                    LISTING_SHEET,
                    row.row,
                    header,
                )
            )
            return

    def check_structured_values(self, row: KpiRow, kpi: StoredKpi | None) -> None:
        """表記から読み取れる値と構造化欄が食い違えば警告する (新しい値・変わった値だけ)。"""
        stored = self.state.values.get(kpi.pk, {}) if kpi is not None else {}
        for kind, given in ((ValueKind.BASELINE, row.baseline), (ValueKind.TARGET, row.target)):
            if given is None:
                continue
            before = stored.get(kind)
            if before is not None and _value_tuple(before) == _value_tuple(given):
                continue
            parsed = parse_value_text(given.text)
            if parsed == EMPTY_STRUCTURE:
                continue
            if (
                parsed.value,
                parsed.unit,
                parsed.qualifier,
                parsed.fiscal_year,
                parsed.fiscal_year_end,
                parsed.period,
            ) != _value_tuple(given)[1:]:
                self.warnings.append(
                    Issue(
                        "表記から読み取れる数値・単位・修飾語・年度が、その右の欄と一致しません。確かめてください",
                        KPI_SHEET,
                        row.row,
                        value_header(kind, "表記"),
                    )
                )


def _value_tuple(value: StoredValue | KpiValueData) -> tuple:
    return (
        value.text,
        value.value,
        value.unit,
        value.qualifier,
        value.fiscal_year,
        value.fiscal_year_end,
        value.period,
    )


def _merge_kpi_order(
    db_codes: Sequence[str], file_codes: Sequence[str], in_file: set[str]
) -> tuple[str, ...]:
    """事業の KPI の並び: ファイルにない KPI は元の位置に残し、ファイルにある KPI の位置には
    ファイルの行の順に並べ、新しく結び付いた KPI は後ろに足す。"""
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


def compare_with_database(contents: WorkbookContents, *, edition: Edition) -> Preview:  # noqa: C901 — both sheets, row by row
    """読み込んだ中身を版のデータベースと突き合わせ、事業と KPI ごとに 新規 / 変更 (項目ごとの差分) /
    変更なし / エラー に分ける。何も書き込まない。問い合わせの数は行の数によらない (一度に読んで比べる)。

    エラーになるもの: 登録されていない所管局、この版にない政策目標・基本施策、同じ事業コードの行の食い違い、
    一つの事業が同じ基本施策に二度、取り込んだ後に一つの基本施策で No が重なる、版の中で事業/取組名が
    重なる、「KPI」シートの KPI コードの重複と、この版にもファイルにもない事業コード。
    """
    state = DatabaseState.load(edition)
    comparison = _Comparison(contents, state)

    project_groups = comparison.group_listing_rows()
    project_data: dict[str, ProjectData] = {}
    for code, rows in project_groups.items():
        built = comparison.build_project(code, rows)
        if built is not None:
            project_data[code] = built
    comparison.check_names(project_groups, project_data)
    comparison.check_numbers(project_groups, project_data)

    known_projects = set(state.projects) | set(project_groups)
    kpi_groups = comparison.group_kpi_rows(known_projects)

    # 事業ごとの KPI の並び (「KPI」シートの行の順)。
    in_file = set(kpi_groups)
    file_order: dict[str, list[str]] = defaultdict(list)
    for code, rows in kpi_groups.items():
        for project_code in rows[0].project_codes:
            file_order[project_code].append(code)

    def final_kpis(project_code: str) -> tuple[str, ...]:
        project = state.projects.get(project_code)
        db_codes = state.kpi_codes.get(project.pk, []) if project is not None else []
        return _merge_kpi_order(db_codes, file_order.get(project_code, []), in_file)

    for code, rows in project_groups.items():
        accepted = [
            kpi_cell_texts([comparison.kpi_texts(kpi, kpi_groups) for kpi in final_kpis(code)])
        ]
        if code in state.projects:
            before = state.kpi_codes.get(state.projects[code].pk, [])
            accepted.append(kpi_cell_texts([comparison.kpi_texts(kpi, {}) for kpi in before]))
        for row in rows:
            comparison.check_reference_columns(row, accepted)

    projects: list[ProjectPreview] = []
    for code, rows in project_groups.items():
        data = project_data.get(code)
        if data is not None:
            data = dataclasses.replace(data, kpi_codes=final_kpis(code))
        existing = state.projects.get(code)
        row_errors = [issue for row in rows for issue in row.errors]
        errors = tuple(row_errors + comparison.project_errors.get(code, []))
        changes = comparison.project_changes(existing, data) if existing and data else ()
        projects.append(
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
    # ファイルにないが、KPI の結び付き (共有 KPI の事業コード列) が変わる事業。
    for code in sorted(set(state.projects) - set(project_groups)):
        project = state.projects[code]
        before = tuple(state.kpi_codes.get(project.pk, ()))
        after = final_kpis(code)
        if before == after:
            continue
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
        projects.append(
            ProjectPreview(
                code=code,
                status=Status.CHANGED,
                rows=(),
                project_id=project.pk,
                data=data,
                changes=(comparison._kpi_link_change(before, after),),
            )
        )

    kpis: list[KpiPreview] = []
    for code, rows in kpi_groups.items():
        first = rows[0]
        existing = state.kpis.get(code)
        row_errors = [issue for row in rows for issue in row.errors]
        errors = tuple(row_errors + comparison.kpi_errors.get(code, []))
        data = KpiData(
            code=code,
            indicator=first.indicator,
            baseline=first.baseline,
            target=first.target,
            project_codes=tuple(sorted(first.project_codes)),
        )
        if not first.errors:
            comparison.check_structured_values(first, existing)
        changes = comparison.kpi_changes(existing, data) if existing and not first.errors else ()
        kpis.append(
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

    errors = list(contents.errors)
    already = set(errors)
    for item in [*projects, *kpis]:
        errors.extend(issue for issue in item.errors if issue not in already)
    errors.sort(key=lambda issue: issue.sort_key)
    warnings = sorted([*contents.warnings, *comparison.warnings], key=lambda issue: issue.sort_key)
    return Preview(
        edition_id=edition.pk,
        projects=projects,
        kpis=kpis,
        errors=errors,
        warnings=warnings,
    )


def _status(errors: Sequence[Issue], existing: object, changes: Sequence[FieldChange]) -> Status:
    if errors:
        return Status.ERROR
    if existing is None:
        return Status.NEW
    return Status.CHANGED if changes else Status.UNCHANGED
