"""Reading an uploaded workbook and comparing it with the database (nothing is written)."""

import datetime
import io
import random
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from accounts.models import Bureau
from kpis.models import Kpi, ProjectKpi
from plan.changes.diff import FieldDiff
from plan.models import Edition, Listing, Measure, PolicyGoal, Project
from plan.workbook import (
    Issue,
    KpiValueData,
    ListingPlacement,
    Status,
    WorkbookRejected,
    compare_with_database,
    export_workbook,
    read_workbook,
)
from plan.workbook import container as workbook_container
from plan.workbook import read as workbook_read
from tests.workbook_samples import column_of, edit_workbook, ole2_container, small_edition

P001_SUMMARY = (
    "ボランティア清掃ごみ収集用の「まち美化ボランティア袋」を作成し、市民等に配布する。"
    "また、まち美化条例に基づき、まち美化推進員を設置する。さらに、ごみゼロ清掃参加者に、"
    "軍手とタオルを配布する。"
)


@pytest.fixture
def exported(edition_2024) -> bytes:
    return export_workbook(Project.objects.filter(edition=edition_2024))


def preview_of(data: bytes, edition, **limits):
    return compare_with_database(read_workbook(data, **limits), edition=edition)


def messages(issues) -> list[str]:
    return [str(issue) for issue in issues]


def set_cell(sheet_name: str, row: int, header: str, value):
    def edit(workbook):
        sheet = workbook[sheet_name]
        sheet.cell(row=row, column=column_of(sheet, header)).value = value

    return edit


def nothing_changed_in_database():
    assert Project.objects.count() == 90
    assert Listing.objects.count() == 97
    assert Kpi.objects.count() == 51
    assert Project.objects.get(code="P001").summary == P001_SUMMARY


# Round trip ---------------------------------------------------------------------------------


def test_round_trip_of_the_2024_edition_has_no_changes(
    edition_2024, exported, django_assert_max_num_queries
):
    contents = read_workbook(exported)
    assert (len(contents.listing_rows), len(contents.kpi_rows)) == (97, 51)
    assert contents.errors == [] and contents.warnings == []
    with django_assert_max_num_queries(9):
        preview = compare_with_database(contents, edition=edition_2024)
    assert preview.errors == [] and preview.warnings == []
    assert preview.project_counts() == {
        Status.NEW: 0,
        Status.CHANGED: 0,
        Status.UNCHANGED: 90,
        Status.ERROR: 0,
    }
    assert preview.kpi_counts() == {
        Status.NEW: 0,
        Status.CHANGED: 0,
        Status.UNCHANGED: 51,
        Status.ERROR: 0,
    }
    assert not preview.has_changes
    hub = next(project for project in preview.projects if project.code == "P022")
    assert hub.rows == (23, 89, 91, 94, 95, 97)
    assert hub.data.kpi_codes == ("K014", "K015", "K016")
    assert len(hub.data.listings) == 6


@pytest.mark.parametrize(
    "bureau",
    [
        "環境局",
        "産業経済局",
        "都市整備局",
        "都市戦略局",
        "港湾空港局",
        "総務市民局",
        "技術監理局",
        "教育委員会",
        "財政・変革局",
        "都市ブランド創造局",
        "上下水道局",
    ],
)
def test_round_trip_of_each_bureaus_export_has_no_changes(edition_2024, bureau):
    selected = Project.objects.filter(edition=edition_2024, bureau_links__bureau__name=bureau)
    preview = preview_of(export_workbook(selected), edition_2024)
    assert preview.errors == []
    assert not preview.has_changes
    assert all(project.rows for project in preview.projects)


def test_columns_in_another_order_are_found_by_header(edition_2024, exported):
    def reverse_columns(workbook):
        for sheet in workbook.worksheets:
            rows = [list(row) for row in sheet.iter_rows(values_only=True)]
            for row_number, row in enumerate(rows, start=1):
                for column_number, value in enumerate(reversed(row), start=1):
                    sheet.cell(row=row_number, column=column_number).value = value

    preview = preview_of(edit_workbook(exported, reverse_columns), edition_2024)
    assert preview.errors == []
    assert not preview.has_changes


def test_into_an_edition_with_the_structure_only_everything_is_new(edition_2024, exported):
    """Next year's edition with the same goals and measures but no projects yet: all new."""
    empty = Edition.objects.create(plan=edition_2024.plan, fiscal_year=2025)
    for goal in PolicyGoal.objects.filter(edition=edition_2024).prefetch_related("measures"):
        copy = PolicyGoal.objects.create(
            edition=empty, code=goal.code, title=goal.title, display_order=goal.display_order
        )
        for measure in goal.measures.all():
            Measure.objects.create(goal=copy, number=measure.number, title=measure.title)
    preview = compare_with_database(read_workbook(exported), edition=empty)
    assert preview.errors == []
    assert preview.project_counts()[Status.NEW] == 90
    assert preview.kpi_counts()[Status.NEW] == 51
    hub = next(project for project in preview.projects if project.code == "P022")
    assert hub.project_id is None
    assert hub.data.kpi_codes == ("K014", "K015", "K016")
    assert {placement.measure_id for placement in hub.data.listings} == set(
        Measure.objects.filter(goal__edition=empty, goal__code__in=["", "IV"])
        .exclude(goal__code="", number__in=[1, 2, 4])
        .values_list("pk", flat=True)
    )
    k025 = next(kpi for kpi in preview.kpis if kpi.code == "K025")
    assert k025.data.baseline == KpiValueData(
        text="約3.4万人/日 (R1年度×0.9)",
        value=Decimal("3.4"),
        unit="万人/日",
        qualifier="約",
        fiscal_year=2019,
        period="fiscal_year",
    )
    assert k025.data.project_codes == ("P042",)
    nothing_changed_in_database()


@pytest.mark.parametrize("project_count", [10, 200])
def test_compare_query_count_does_not_grow_with_rows(
    db, project_count, django_assert_max_num_queries
):
    edition = small_edition(project_count)
    contents = read_workbook(export_workbook(Project.objects.filter(edition=edition)))
    with django_assert_max_num_queries(9):
        preview = compare_with_database(contents, edition=edition)
    assert preview.errors == []
    assert preview.project_counts()[Status.UNCHANGED] == project_count
    assert not preview.has_changes


def test_kpi_order_within_a_project_survives_the_round_trip(edition_2024):
    # P088's three KPIs become K051, K049, K050 (not the code order).
    links = {link.kpi.code: link for link in ProjectKpi.objects.filter(project__code="P088")}
    for position, code in enumerate(["K051", "K049", "K050"], start=11):
        links[code].position = position
        links[code].save()
    data = export_workbook(Project.objects.filter(edition=edition_2024))
    workbook = load_workbook(io.BytesIO(data))
    codes = [row[0] for row in workbook["KPI"].iter_rows(min_row=2, values_only=True)]
    assert codes[-3:] == ["K051", "K049", "K050"]
    preview = preview_of(data, edition_2024)
    assert preview.errors == []
    assert not preview.has_changes


def test_reordered_kpi_rows_reorder_the_projects_kpis(edition_2024, exported):
    def move_k051_up(workbook):
        sheet = workbook["KPI"]
        rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=50, max_row=52)]
        assert [row[0] for row in rows] == ["K049", "K050", "K051"]
        for row_number, values in zip((50, 51, 52), [rows[2], rows[0], rows[1]], strict=True):
            for column, value in enumerate(values, start=1):
                sheet.cell(row=row_number, column=column).value = value

    preview = preview_of(edit_workbook(exported, move_k051_up), edition_2024)
    assert preview.errors == []
    changed = [project for project in preview.projects if project.changes]
    assert [(p.code, p.changes) for p in changed] == [
        ("P088", (FieldDiff("kpis", "KPI の結び付き", "K049, K050, K051", "K051, K049, K050"),))
    ]
    assert all(kpi.status == Status.UNCHANGED for kpi in preview.kpis)


# Changes ------------------------------------------------------------------------------------


def test_edited_summary_is_one_changed_project_with_a_diff(edition_2024, exported):
    data = edit_workbook(exported, set_cell("個別プロジェクト", 2, "概要", "新しい概要。"))
    preview = preview_of(data, edition_2024)
    assert preview.errors == []
    changed = [project for project in preview.projects if project.status == Status.CHANGED]
    assert [project.code for project in changed] == ["P001"]
    assert changed[0].changes == (
        FieldDiff(field="summary", label="概要", before=P001_SUMMARY, after="新しい概要。"),
    )
    assert changed[0].project_id == Project.objects.get(code="P001").pk
    assert changed[0].data.summary == "新しい概要。"
    assert preview.project_counts()[Status.UNCHANGED] == 89
    nothing_changed_in_database()


def test_new_mark_bureaus_and_listing_changes(edition_2024, exported):
    def edit(workbook):
        sheet = workbook["個別プロジェクト"]
        sheet.cell(
            row=3, column=column_of(sheet, "事業/取組名")
        ).value = "<新>海岸漂着物処理推進事業"
        sheet.cell(row=3, column=column_of(sheet, "所管局")).value = "産業経済局　環境局"
        sheet.delete_rows(97)  # P022 under IV (5)

    preview = preview_of(edit_workbook(exported, edit), edition_2024)
    assert preview.errors == []
    changes = {project.code: project.changes for project in preview.projects if project.changes}
    assert changes == {
        "P002": (
            FieldDiff("is_new", "新規 (<新>)", "いいえ", "はい"),
            FieldDiff("bureaus", "所管局", "産業経済局", "産業経済局 環境局"),
        ),
        "P022": (
            FieldDiff(
                "listings",
                "掲載",
                "下支え-(3) No1, IV-(1) No1, IV-(2) No1, IV-(3) No1, IV-(4) No1, IV-(5) No1",
                "下支え-(3) No1, IV-(1) No1, IV-(2) No1, IV-(3) No1, IV-(4) No1",
            ),
        ),
    }
    p002 = next(project for project in preview.projects if project.code == "P002")
    assert p002.data.name == "海岸漂着物処理推進事業"
    assert p002.data.is_new is True
    assert p002.data.bureau_ids == (
        Bureau.objects.get(name="産業経済局").pk,
        Bureau.objects.get(name="環境局").pk,
    )


def test_new_project_row_is_new(edition_2024, exported):
    def edit(workbook):
        workbook["個別プロジェクト"].append(
            [
                "P091",
                "政策目標I 脱炭素(カーボンニュートラル)社会の実現",
                "(1) エネルギーの脱炭素化",
                6,
                "環境局",
                "<新>屋根置き太陽光の共同購入事業",
                "市民がまとまって太陽光発電設備を購入する。",
            ]
        )

    preview = preview_of(edit_workbook(exported, edit), edition_2024)
    assert preview.errors == []
    new = [project for project in preview.projects if project.status == Status.NEW]
    assert len(new) == 1
    assert new[0].code == "P091"
    assert new[0].rows == (99,)
    assert new[0].project_id is None
    measure = Measure.objects.get(goal__code="I", number=1)
    assert new[0].data.listings == (ListingPlacement(measure_id=measure.pk, number=6),)
    assert new[0].data.name == "屋根置き太陽光の共同購入事業"
    assert new[0].data.is_new is True
    assert new[0].data.kpi_codes == ()
    assert preview.project_counts()[Status.UNCHANGED] == 90
    nothing_changed_in_database()


def test_kpi_value_and_link_changes(edition_2024, exported):
    def edit(workbook):
        sheet = workbook["KPI"]
        # K007 is on row 8: its target goes up, and P001 now shares it.
        sheet.cell(row=8, column=column_of(sheet, "目標値 表記")).value = "最大1500MW (R12年度)"
        sheet.cell(row=8, column=column_of(sheet, "目標値 数値")).value = 1500
        codes = "P001, P009, P010, P018, P019, P030, P033, P035"
        sheet.cell(row=8, column=column_of(sheet, "事業コード")).value = codes

    preview = preview_of(edit_workbook(exported, edit), edition_2024)
    assert preview.errors == []
    k007 = next(kpi for kpi in preview.kpis if kpi.code == "K007")
    assert k007.status == Status.CHANGED
    assert k007.changes == (
        FieldDiff("target.text", "目標値 公表表記", "最大1400MW (R12年度)", "最大1500MW (R12年度)"),
        FieldDiff("target.value", "目標値 数値", "1400", "1500"),
        FieldDiff(
            "projects",
            "個別プロジェクト",
            "P009, P010, P018, P019, P030, P033, P035",
            "P001, P009, P010, P018, P019, P030, P033, P035",
        ),
    )
    p001 = next(project for project in preview.projects if project.code == "P001")
    assert p001.changes == (FieldDiff("kpis", "KPI の結び付き", "K001", "K001, K007"),)
    assert p001.data.kpi_codes == ("K001", "K007")
    # The reference columns of the listing sheet still show the published KPIs: that is fine.
    assert preview.warnings == []


def test_link_change_of_a_project_outside_the_file(edition_2024):
    # Environment bureau's file; K040 (shared by 産業経済局's P071–P073) is not in it.
    selected = Project.objects.filter(code="P001")
    data = export_workbook(selected)

    def edit(workbook):
        sheet = workbook["KPI"]
        sheet.cell(row=2, column=column_of(sheet, "事業コード")).value = "P001, P003, P071"

    preview = preview_of(edit_workbook(data, edit), edition_2024)
    assert preview.errors == []
    outside = next(project for project in preview.projects if project.code == "P071")
    assert outside.rows == ()
    assert outside.status == Status.CHANGED
    assert outside.changes == (FieldDiff("kpis", "KPI の結び付き", "K040", "K040, K001"),)


def test_edited_reference_column_is_a_warning_not_a_change(edition_2024, exported):
    data = edit_workbook(exported, set_cell("個別プロジェクト", 2, "目標値", "70%"))
    preview = preview_of(data, edition_2024)
    assert preview.errors == []
    assert not preview.has_changes
    assert messages(preview.warnings) == [
        "「個別プロジェクト」シート 2行目「目標値」列: この列は参照用で取り込みません。"
        "KPI は「KPI」シートで変えてください"
    ]


def test_a_number_that_contradicts_the_text_is_an_error_naming_both(edition_2024, exported):
    data = edit_workbook(exported, set_cell("KPI", 8, "目標値 表記", "最大1500MW (R12年度)"))
    preview = preview_of(data, edition_2024)
    assert messages(preview.errors) == [
        "「KPI」シート 8行目「目標値 数値」列: 公表表記「最大1500MW (R12年度)」と数値「1400」"
        "(表記では 1500)が一致しません。公表表記と数値のどちらかを直してください。"
    ]


def test_a_year_that_disagrees_with_the_text_is_a_warning(edition_2024, exported):
    data = edit_workbook(exported, set_cell("KPI", 8, "目標値 表記", "最大1400MW (R11年度)"))
    preview = preview_of(data, edition_2024)
    assert preview.errors == []
    assert (
        "「KPI」シート 8行目「目標値 表記」列: 表記から読み取れる数値・単位・修飾語・年度が、"
        "その右の欄と一致しません。確かめてください" in messages(preview.warnings)
    )


# Errors found by comparing ------------------------------------------------------------------


def test_unknown_bureau(edition_2024, exported):
    data = edit_workbook(exported, set_cell("個別プロジェクト", 2, "所管局", "環境部"))
    preview = preview_of(data, edition_2024)
    assert messages(preview.errors) == [
        "「個別プロジェクト」シート 2行目「所管局」列: 所管局「環境部」は登録されていません"
    ]
    p001 = next(project for project in preview.projects if project.code == "P001")
    assert p001.status == Status.ERROR
    assert p001.data is None


def test_unknown_goal_and_measure(edition_2024, exported):
    def edit(workbook):
        set_cell("個別プロジェクト", 2, "政策目標", "政策目標V 未来")(workbook)
        set_cell("個別プロジェクト", 3, "基本施策", "(9) ない施策")(workbook)
        set_cell("個別プロジェクト", 4, "基本施策", "(1) 名前違い")(workbook)

    preview = preview_of(edit_workbook(exported, edit), edition_2024)
    assert messages(preview.errors) == [
        "「個別プロジェクト」シート 2行目「政策目標」列: 政策目標「政策目標V 未来」はこの版にありません",
        "「個別プロジェクト」シート 3行目「基本施策」列: 基本施策「(9) ない施策」は"
        "「政策目標を下支えする取り組み」にありません",
        "「個別プロジェクト」シート 4行目「基本施策」列: 基本施策の名称がこの版の"
        "「(1) 環境活動と地域活性化の好循環」と一致しません",
    ]


def test_goal_may_be_written_by_its_code(edition_2024, exported):
    data = edit_workbook(exported, set_cell("個別プロジェクト", 40, "政策目標", "政策目標Ⅰ"))
    preview = preview_of(data, edition_2024)
    assert preview.errors == []
    assert not preview.has_changes


def test_number_collision_within_a_measure(edition_2024, exported):
    data = edit_workbook(exported, set_cell("個別プロジェクト", 3, "No", 1))
    preview = preview_of(data, edition_2024)
    assert messages(preview.errors) == [
        "「個別プロジェクト」シート 2行目「No」列: 「下支え (1) 環境活動と地域活性化の好循環」の No 1 が "
        "「海岸漂着物処理推進事業」(P002) と重なっています",
        "「個別プロジェクト」シート 3行目「No」列: 「下支え (1) 環境活動と地域活性化の好循環」の No 1 が "
        "「まち美化ボランティアへの助成事業」(P001) と重なっています",
    ]
    assert {p.code for p in preview.projects if p.status == Status.ERROR} == {"P001", "P002"}


def test_number_collision_with_a_project_outside_the_file(edition_2024):
    data = export_workbook(Project.objects.filter(code="P002"))
    preview = preview_of(data, edition_2024, max_rows=10)
    assert preview.errors == []
    data = edit_workbook(data, set_cell("個別プロジェクト", 2, "No", 1))
    preview = preview_of(data, edition_2024)
    assert messages(preview.errors) == [
        "「個別プロジェクト」シート 2行目「No」列: 「下支え (1) 環境活動と地域活性化の好循環」の No 1 が "
        "「まち美化ボランティアへの助成事業」(P001) と重なっています",
    ]


def test_rows_of_one_project_must_agree(edition_2024, exported):
    data = edit_workbook(exported, set_cell("個別プロジェクト", 91, "概要", "違う概要"))
    preview = preview_of(data, edition_2024)
    assert messages(preview.errors) == [
        "「個別プロジェクト」シート 91行目「概要」列: 同じ事業コード P022 の 23行目と内容が異なります "
        "(同じ事業の行はすべて同じ内容にしてください)"
    ]


def test_same_project_twice_in_one_measure(edition_2024, exported):
    def edit(workbook):
        sheet = workbook["個別プロジェクト"]
        sheet.append([cell.value for cell in sheet[23]][:7])

    preview = preview_of(edit_workbook(exported, edit), edition_2024)
    assert messages(preview.errors) == [
        "「個別プロジェクト」シート 99行目「基本施策」列: この事業は 23行目で同じ基本施策に掲載されています"
    ]


def test_name_used_by_another_project(edition_2024, exported):
    data = edit_workbook(
        exported, set_cell("個別プロジェクト", 3, "事業/取組名", "まち美化ボランティアへの助成事業")
    )
    preview = preview_of(data, edition_2024)
    assert messages(preview.errors) == [
        "「個別プロジェクト」シート 3行目「事業/取組名」列: 事業/取組名「まち美化ボランティアへの助成事業」は"
        "事業コード P001 の事業と同じです (版の中で同じ名前は一つの事業にしか使えません)"
    ]


def test_duplicated_kpi_code_and_unknown_project_code(edition_2024, exported):
    def edit(workbook):
        sheet = workbook["KPI"]
        sheet.cell(row=3, column=column_of(sheet, "KPIコード")).value = "K001"
        sheet.cell(row=4, column=column_of(sheet, "事業コード")).value = "P004, P999"

    preview = preview_of(edit_workbook(exported, edit), edition_2024)
    assert messages(preview.errors) == [
        "「KPI」シート 3行目「KPIコード」列: KPIコード K001 は 2行目と重複しています",
        "「KPI」シート 4行目「事業コード」列: 事業コード P999 の事業はこの版になく、"
        "「個別プロジェクト」シートにもありません",
    ]
    statuses = {kpi.code: kpi.status for kpi in preview.kpis}
    assert statuses["K001"] == Status.ERROR
    assert statuses["K003"] == Status.ERROR


# Errors found by reading --------------------------------------------------------------------


def test_formula_cells_are_rejected_without_evaluation(edition_2024, exported):
    def edit(workbook):
        set_cell("個別プロジェクト", 2, "概要", '=CONCAT("概要", A2)')(workbook)
        set_cell("KPI", 8, "目標値 数値", "=1000+400")(workbook)

    contents = read_workbook(edit_workbook(exported, edit))
    assert messages(contents.errors) == [
        "「個別プロジェクト」シート 2行目「概要」列: 数式は取り込めません。数式ではなく値を入れてください",
        "「KPI」シート 8行目「目標値 数値」列: 数式は取り込めません。数式ではなく値を入れてください",
    ]
    preview = compare_with_database(contents, edition=edition_2024)
    assert preview.has_errors
    assert {
        item.code for item in [*preview.projects, *preview.kpis] if item.status == Status.ERROR
    } == {
        "P001",
        "K007",
    }


@pytest.mark.parametrize(
    ("sheet", "row", "header", "value", "message"),
    [
        ("個別プロジェクト", 2, "No", "一", "数値を入れてください"),
        ("個別プロジェクト", 2, "No", 1.5, "整数を入れてください"),
        ("個別プロジェクト", 2, "No", True, "数値を入れてください"),
        ("個別プロジェクト", 2, "No", 0, "1 から 32767 までの整数を入れてください"),
        ("個別プロジェクト", 2, "No", None, "値を入れてください"),
        ("個別プロジェクト", 2, "概要", 12345, "文字列を入れてください"),
        ("個別プロジェクト", 2, "事業コード", 1, "文字列を入れてください"),
        ("個別プロジェクト", 2, "概要", datetime.date(2024, 4, 1), "文字列を入れてください"),
        ("KPI", 8, "目標値 数値", "1,400", "数値を入れてください"),
        ("KPI", 8, "目標値 年度", "R12", "数値を入れてください"),
        ("KPI", 8, "目標値 年度", 1800, "1926 から 2200 までの整数を入れてください"),
        ("KPI", 8, "目標値 数値", 1.23456, "小数点以下は 4 桁までにしてください"),
        ("KPI", 8, "目標値 単位", 5, "文字列を入れてください"),
        (
            "KPI",
            8,
            "目標値 修飾語",
            "超",
            "修飾語は 以上・以下・以内・最大・約・程度・▲ のいずれかにしてください",
        ),
        (
            "KPI",
            8,
            "目標値 年度の意味",
            "通年",
            "年度の意味は 年度・年度末・期間・期間累計・期間平均 のいずれかにしてください",
        ),
        ("KPI", 8, "目標値 終了年度", 2031, "終了年度は期間・累計・平均のときだけ入れてください"),
        (
            "KPI",
            8,
            "目標値 表記",
            None,
            "表記を入れてください (基準値・目標値には公表表記が必要です)",
        ),
    ],
)
def test_wrong_cell_types(edition_2024, exported, sheet, row, header, value, message):
    contents = read_workbook(edit_workbook(exported, set_cell(sheet, row, header, value)))
    assert messages(contents.errors) == [f"「{sheet}」シート {row}行目「{header}」列: {message}"]
    preview = compare_with_database(contents, edition=edition_2024)
    assert preview.has_errors
    assert messages(preview.errors) == messages(contents.errors)
    # A record with an unreadable cell is an error, with no values and no (misleading) diff
    # (a row without a readable 「事業コード」 belongs to no record at all).
    errors = [item for item in [*preview.projects, *preview.kpis] if item.status == Status.ERROR]
    assert len(errors) == (0 if header == "事業コード" else 1)
    assert all(item.data is None and item.changes == () for item in errors)
    assert not preview.has_changes


def test_empty_rows_are_skipped(edition_2024, exported):
    def edit(workbook):
        workbook["個別プロジェクト"].insert_rows(10, amount=2)
        workbook["KPI"].insert_rows(5)

    contents = read_workbook(edit_workbook(exported, edit))
    assert contents.errors == [] and contents.warnings == []
    assert contents.skipped_rows == 3
    assert len(contents.listing_rows) == 97
    preview = compare_with_database(contents, edition=edition_2024)
    assert preview.errors == []
    assert not preview.has_changes


def test_extra_column_is_ignored_with_a_warning(edition_2024, exported):
    def edit(workbook):
        sheet = workbook["個別プロジェクト"]
        sheet.cell(row=1, column=11).value = "備考"
        sheet.cell(row=2, column=11).value = "確認済み"

    preview = preview_of(edit_workbook(exported, edit), edition_2024)
    assert preview.errors == []
    assert messages(preview.warnings) == [
        "「個別プロジェクト」シート 1行目「備考」列: この列は取り込みません (知らない見出しです)"
    ]
    assert not preview.has_changes


def test_headers_match_regardless_of_width_and_spaces(edition_2024, exported):
    def edit(workbook):
        set_cell("個別プロジェクト", 1, "事業/取組名", "事業／取組名")(workbook)
        set_cell("KPI", 1, "目標値 表記", "目標値　表記")(workbook)

    preview = preview_of(edit_workbook(exported, edit), edition_2024)
    assert preview.errors == [] and preview.warnings == []
    assert not preview.has_changes


def test_renamed_required_column(edition_2024, exported):
    data = edit_workbook(exported, set_cell("個別プロジェクト", 1, "概要", "事業の概要"))
    contents = read_workbook(data)
    assert messages(contents.errors) == [
        "「個別プロジェクト」シート 1行目: 必須の列「概要」がありません (見出しの名前を変えていませんか)"
    ]
    assert messages(contents.warnings) == [
        "「個別プロジェクト」シート 1行目「事業の概要」列: この列は取り込みません (知らない見出しです)"
    ]
    assert contents.listing_rows == []
    preview = compare_with_database(contents, edition=edition_2024)
    assert preview.has_errors
    assert preview.projects == []


def test_missing_sheet(edition_2024, exported):
    def edit(workbook):
        workbook["KPI"].title = "KPI一覧"

    contents = read_workbook(edit_workbook(exported, edit))
    assert messages(contents.errors) == [
        "「KPI」シートがありません (シートの名前を変えていませんか)"
    ]


# Files rejected as a whole ------------------------------------------------------------------

CSV = "事業コード,政策目標,基本施策,No\nP001,政策目標を下支えする取り組み,(1) 環境活動,1\n"


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def corrupt_sheet_data(data: bytes) -> bytes:
    """Keep the zip's directory but garble the compressed bytes of the first worksheet."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    garbled = bytearray(data)
    for offset in range(start + 10, start + 60):
        garbled[offset] ^= 0x5A
    return bytes(garbled)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda data: CSV.encode("utf-8"),
            "CSV などのテキストファイルは読み込めません。Excel で「Excel ブック (*.xlsx)」形式で保存し直してください。",
        ),
        (
            lambda data: CSV.encode("cp932"),
            "CSV などのテキストファイルは読み込めません。Excel で「Excel ブック (*.xlsx)」形式で保存し直してください。",
        ),
        (
            lambda data: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
            "PDF ファイルは読み込めません。書き出した Excel ブック (.xlsx) を選んでください。",
        ),
        (
            lambda data: b"\x00\x01" + random.Random(5).randbytes(4094),
            "Excel ブック (.xlsx) ではありません。Excel で「Excel ブック (*.xlsx)」形式で保存したファイルを選んでください。",
        ),
        (
            lambda data: ole2_container(["Workbook"]),
            "古い形式の Excel ブック (.xls) は読み込めません。Excel で「Excel ブック (*.xlsx)」形式で保存し直してください。",
        ),
        (
            lambda data: ole2_container(["EncryptionInfo", "EncryptedPackage"]),
            "パスワードで保護されたブックは読み込めません。Excel でパスワードを解除してから保存し直してください。",
        ),
        (
            lambda data: data[: len(data) // 2],
            "ファイルが壊れていて読み込めません。もう一度書き出すか、Excel で開いて保存し直してください。",
        ),
        (
            corrupt_sheet_data,
            "ファイルが壊れていて読み込めません。もう一度書き出すか、Excel で開いて保存し直してください。",
        ),
        (
            lambda data: zip_of({"readme.txt": b"hello"}),
            "Excel ブック (.xlsx) ではありません。Excel で「Excel ブック (*.xlsx)」形式で保存したファイルを選んでください。",
        ),
        (lambda data: b"", "ファイルが空です。"),
    ],
    ids=[
        "csv-utf8",
        "csv-cp932",
        "pdf",
        "random-bytes",
        "old-xls",
        "password-protected",
        "truncated-zip",
        "garbled-sheet",
        "zip-not-xlsx",
        "empty",
    ],
)
def test_files_that_are_not_readable_workbooks_are_rejected(edition_2024, exported, make, message):
    with pytest.raises(WorkbookRejected) as rejected:
        read_workbook(make(exported))
    assert rejected.value.message == message
    nothing_changed_in_database()


def test_size_limit_is_checked_before_parsing(exported, monkeypatch):
    def must_not_parse(*args, **kwargs):
        raise AssertionError("parsed a file over the size limit")

    monkeypatch.setattr(workbook_read, "load_workbook", must_not_parse)
    monkeypatch.setattr(workbook_container.zipfile, "ZipFile", must_not_parse)
    with pytest.raises(WorkbookRejected) as rejected:
        read_workbook(exported, max_bytes=1000)
    assert rejected.value.message == "ファイルが大きすぎます (上限 1,000 バイト)。"


def test_size_limit_of_a_file_object_and_a_path(exported, tmp_path):
    with pytest.raises(WorkbookRejected) as rejected:
        read_workbook(io.BytesIO(exported), max_bytes=len(exported) - 1)
    assert rejected.value.message.startswith("ファイルが大きすぎます (上限 ")
    path = tmp_path / "plan.xlsx"
    path.write_bytes(exported)
    with pytest.raises(WorkbookRejected) as rejected:
        read_workbook(path, max_bytes=3072)
    assert rejected.value.message == "ファイルが大きすぎます (上限 3,072 バイト)。"
    assert len(read_workbook(path).listing_rows) == 97


def test_too_many_rows(exported):
    with pytest.raises(WorkbookRejected) as rejected:
        read_workbook(exported, max_rows=50)
    assert rejected.value.message == (
        "「個別プロジェクト」シートの行が多すぎます (上限 50 行)。ファイルを分けて取り込んでください。"
    )


def test_issue_without_place():
    assert str(Issue("ファイルが空です。")) == "ファイルが空です。"
    assert str(Issue("x", "KPI")) == "「KPI」シート: x"


@pytest.mark.parametrize(
    ("text", "qualifier"),
    [("▲1400MW (R12年度)", "▲"), ("1400MW以上 (R12年度)", "以上")],
)
def test_a_qualifier_change_shows_the_qualifier_as_the_workbook_writes_it(
    edition_2024, exported, text, qualifier
):
    def edit(workbook):
        sheet = workbook["KPI"]
        # K007 is on row 8: its target 「最大1400MW (R12年度)」 gets another qualifier.
        sheet.cell(row=8, column=column_of(sheet, "目標値 表記")).value = text
        sheet.cell(row=8, column=column_of(sheet, "目標値 修飾語")).value = qualifier

    preview = preview_of(edit_workbook(exported, edit), edition_2024)
    assert preview.errors == [] and preview.warnings == []
    k007 = next(kpi for kpi in preview.kpis if kpi.code == "K007")
    assert k007.changes == (
        FieldDiff("target.text", "目標値 公表表記", "最大1400MW (R12年度)", text),
        FieldDiff("target.qualifier", "目標値 修飾語", "最大", qualifier),
    )
