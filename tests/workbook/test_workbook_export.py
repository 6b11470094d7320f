"""Exporting the city's workbook: sheets, columns, rows, readability, formula safety, selection."""

import io

import pytest
from openpyxl import load_workbook

from accounts.models import Bureau
from kpis.models import Kpi, KpiValue, ProjectKpi
from plan.filters import ProjectFilterSet
from plan.models import Listing, Measure, PolicyGoal, Project, ProjectBureau
from plan.workbook import compare_with_database, export_workbook, read_workbook
from tests.factories import EditionFactory, PlanFactory
from tests.workbook_samples import LISTING_HEADERS, small_edition

KPI_HEADERS = [
    "KPIコード",
    "事業目標",
    "基準値 表記",
    "基準値 数値",
    "基準値 単位",
    "基準値 修飾語",
    "基準値 年度",
    "基準値 終了年度",
    "基準値 年度の意味",
    "目標値 表記",
    "目標値 数値",
    "目標値 単位",
    "目標値 修飾語",
    "目標値 年度",
    "目標値 終了年度",
    "目標値 年度の意味",
    "事業コード",
]


@pytest.fixture
def exported_2024(edition_2024):
    data = export_workbook(Project.objects.filter(edition=edition_2024))
    return load_workbook(io.BytesIO(data))


def rows_of(sheet):
    return list(sheet.iter_rows(min_row=2, values_only=True))


def test_sheets_and_headers(exported_2024):
    assert exported_2024.sheetnames == ["個別プロジェクト", "KPI"]
    listing_header = [cell.value for cell in exported_2024["個別プロジェクト"][1]]
    assert listing_header == LISTING_HEADERS
    assert [cell.value for cell in exported_2024["KPI"][1]] == KPI_HEADERS


def test_one_row_per_listing(exported_2024):
    rows = rows_of(exported_2024["個別プロジェクト"])
    assert len(rows) == 97
    assert len({row[0] for row in rows}) == 90
    assert rows[0] == (
        "P001",
        "政策目標を下支えする取り組み",
        "(1) 環境活動と地域活性化の好循環",
        1,
        "環境局",
        "まち美化ボランティアへの助成事業",
        "ボランティア清掃ごみ収集用の「まち美化ボランティア袋」を作成し、市民等に配布する。"
        "また、まち美化条例に基づき、まち美化推進員を設置する。さらに、ごみゼロ清掃参加者に、"
        "軍手とタオルを配布する。",
        "市民の自主的なまち美化意識の推進",
        "-",
        "地域でのまち美化清掃実行の割合60% (行政評価に係る市民アンケート調査による)",
    )


def test_cross_listed_project_has_one_row_per_measure(exported_2024):
    rows = [row for row in rows_of(exported_2024["個別プロジェクト"]) if row[0] == "P022"]
    assert [(row[1], row[2], row[3]) for row in rows] == [
        (
            "政策目標を下支えする取り組み",
            "(3) 環境国際協力・環境ビジネス等を通じたアジア地域への貢献",
            1,
        ),
        ("政策目標IV 環境国際ビジネス拠点化の推進", "(1) 企業への支援機能の強化", 1),
        ("政策目標IV 環境国際ビジネス拠点化の推進", "(2) 環境国際協力の基盤強化", 1),
        ("政策目標IV 環境国際ビジネス拠点化の推進", "(3) 国内外の関係機関等の連携", 1),
        ("政策目標IV 環境国際ビジネス拠点化の推進", "(4) 戦略的な広報の推進", 1),
        (
            "政策目標IV 環境国際ビジネス拠点化の推進",
            "(5) アジアカーボンニュートラルセンターの機能・体質強化",
            1,
        ),
    ]
    assert {row[5] for row in rows} == {"アジア・グリーン共創ハブ推進事業"}
    # Three KPIs in one cell, numbered as in the document; a missing baseline is 「①-」.
    assert rows[0][7:] == (
        "①アジア地域における温室効果ガス排出削減量(累計)\n"
        "②環境国際ビジネス参入企業数及び案件額(累計)\n"
        "③環境改善・脱炭素化に向けた国内外からの研修員受入数(累計)",
        "①-\n②30社 約100億円 (R4年度)\n③10,499人 (R4年度)",
        "①約1,400万t (R12年度)\n②50社程度・約500億円 (R12年度)\n③12,500人 (R12年度)",
    )


def test_new_mark_and_joint_bureaus(exported_2024):
    rows = {row[0]: row for row in rows_of(exported_2024["個別プロジェクト"])}
    assert rows["P039"][5] == "<新>BIM活用推進事業"
    assert rows["P036"][4] == "都市戦略局 都市整備局"
    # Two KPIs, neither with a baseline: the document writes a single 「-」.
    assert rows["P036"][7:] == (
        "①住宅・建築物の脱炭素化の効果に関する理解度\n②技術力向上研修における技術考査の合格率",
        "-",
        "①住宅:80% 建築物:50%\n②80%",
    )


def test_kpi_sheet(exported_2024):
    rows = {row[0]: row for row in rows_of(exported_2024["KPI"])}
    assert len(rows) == 51
    assert rows["K007"] == (
        "K007",
        "市内再エネ導入量",
        "436MW (R2年度)",
        436,
        "MW",
        None,
        2020,
        None,
        "年度",
        "最大1400MW (R12年度)",
        1400,
        "MW",
        "最大",
        2030,
        None,
        "年度",
        "P009, P010, P018, P019, P030, P033, P035",
    )
    assert rows["K049"][9:] == (
        "700人 (R6-R12年度累計)",
        700,
        "人",
        None,
        2024,
        2030,
        "期間累計",
        "P088",
    )
    assert rows["K025"][2:6] == ("約3.4万人/日 (R1年度×0.9)", 3.4, "万人/日", "約")
    assert rows["K014"][-1] == "P022, P089, P090"


def test_readable_layout(exported_2024):
    for name, last_column, last_row in (("個別プロジェクト", "J", 98), ("KPI", "Q", 52)):
        sheet = exported_2024[name]
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:{last_column}{last_row}"
        assert all(cell.font.b for cell in sheet[1])
        assert all(cell.alignment.wrap_text for cell in sheet[2] if cell.value is not None)
    listing = exported_2024["個別プロジェクト"]
    assert listing.column_dimensions["A"].width == 10
    assert listing.column_dimensions["G"].width == 60


@pytest.fixture
def edition_with_formula_like_texts(db):
    edition = EditionFactory(plan=PlanFactory(), fiscal_year=2025)
    goal = PolicyGoal.objects.create(
        edition=edition, code="", title="政策目標を下支えする取り組み", display_order=0
    )
    measure = Measure.objects.create(goal=goal, number=1, title="=式のような施策名")
    bureau, _ = Bureau.objects.get_or_create(name="環境局")
    texts = {
        "F001": ("=1+1", "+81-93-582-2000 に問い合わせる"),
        "F002": ("-テスト事業", "@SUM(A1:A2)"),
        "F003": ("@事業", '=HYPERLINK("http://example.com","x")'),
        "F004": ("＝全角の等号", "－全角のマイナス"),
    }
    for number, (code, (name, summary)) in enumerate(texts.items(), start=1):
        project = Project.objects.create(edition=edition, code=code, name=name, summary=summary)
        ProjectBureau.objects.create(project=project, bureau=bureau, position=1)
        Listing.objects.create(measure=measure, project=project, number=number)
    kpi = Kpi.objects.create(edition=edition, code="FK01", indicator="-5%削減")
    KpiValue.objects.create(kpi=kpi, kind="target", text="=前年度並み")
    ProjectKpi.objects.create(project=Project.objects.get(code="F001"), kpi=kpi, position=1)
    return edition


def test_formula_like_texts_are_written_as_text_and_read_back_unchanged(
    edition_with_formula_like_texts,
):
    edition = edition_with_formula_like_texts
    data = export_workbook(Project.objects.filter(edition=edition))
    workbook = load_workbook(io.BytesIO(data))
    listing = workbook["個別プロジェクト"]
    cells = {row[0].value: row for row in listing.iter_rows(min_row=2)}
    expected = {
        "F001": ("=1+1", "+81-93-582-2000 に問い合わせる"),
        "F002": ("-テスト事業", "@SUM(A1:A2)"),
        "F003": ("@事業", '=HYPERLINK("http://example.com","x")'),
        "F004": ("＝全角の等号", "－全角のマイナス"),
    }
    for code, (name, summary) in expected.items():
        name_cell, summary_cell = cells[code][5], cells[code][6]
        assert (name_cell.value, summary_cell.value) == (name, summary)
        for cell in (name_cell, summary_cell):
            assert cell.data_type == "s"
            assert cell.quotePrefix is True
    assert cells["F001"][2].value == "(1) =式のような施策名"
    assert cells["F001"][7].value == "-5%削減"
    assert cells["F001"][7].data_type == "s"
    kpi_row = next(workbook["KPI"].iter_rows(min_row=2))
    assert (kpi_row[1].value, kpi_row[9].value) == ("-5%削減", "=前年度並み")
    assert kpi_row[9].data_type == "s"
    # Ordinary texts carry no quote prefix.
    assert cells["F001"][0].quotePrefix is False

    contents = read_workbook(data)
    assert contents.errors == []
    assert [(row.name, row.summary) for row in contents.listing_rows] == list(expected.values())
    preview = compare_with_database(contents, edition=edition)
    assert preview.errors == []
    assert not preview.has_changes


@pytest.mark.parametrize(
    ("params", "expected_codes"),
    [
        (
            {"bureau": ["産業経済局"]},
            ["P002", "P034", "P065", "P068", "P069", "P070", "P071", "P072", "P073"],
        ),
        ({"goal": "IV"}, ["P022", "P088", "P089", "P090"]),
        ({"q": "ＢＩＭ"}, ["P039"]),
        ({"is_new": "true"}, ["P039"]),
        ({"goal": "I", "bureau": ["環境局"], "q": "水素"}, ["P026", "P027"]),
    ],
)
def test_filterset_selections(edition_2024, params, expected_codes):
    filterset = ProjectFilterSet({"edition": "2024", **params}, queryset=Project.objects.all())
    assert filterset.is_valid()
    assert list(filterset.qs.values_list("code", flat=True)) == expected_codes


def test_filterset_goal_foundation_and_measure(edition_2024):
    foundation = ProjectFilterSet({"goal": "下支え"}, queryset=Project.objects.all())
    assert foundation.qs.count() == 25
    measure = Measure.objects.get(goal__code="IV", number=2)
    by_measure = ProjectFilterSet({"measure": str(measure.pk)}, queryset=Project.objects.all())
    assert list(by_measure.qs.values_list("code", flat=True)) == ["P022", "P089", "P090"]


def test_filterset_with_unknown_bureau_selects_nothing(edition_2024):
    filterset = ProjectFilterSet({"bureau": ["環境部"]}, queryset=Project.objects.all())
    assert not filterset.is_valid()
    assert "bureau" in filterset.errors
    assert filterset.qs.count() == 0


def test_export_of_a_selection_keeps_every_listing_of_the_selected_projects(edition_2024):
    filterset = ProjectFilterSet({"goal": "IV"}, queryset=Project.objects.all())
    workbook = load_workbook(io.BytesIO(export_workbook(filterset.qs)))
    rows = rows_of(workbook["個別プロジェクト"])
    # P022 is listed under six measures, one of them outside goal IV: all six rows are written.
    assert len(rows) == 11
    assert [row[0] for row in rows].count("P022") == 6
    kpi_codes = [row[0] for row in rows_of(workbook["KPI"])]
    assert kpi_codes == ["K014", "K015", "K016", "K049", "K050", "K051"]


def test_export_of_bureau_selection(edition_2024):
    filterset = ProjectFilterSet({"bureau": ["産業経済局"]}, queryset=Project.objects.all())
    workbook = load_workbook(io.BytesIO(export_workbook(filterset.qs)))
    assert len(rows_of(workbook["個別プロジェクト"])) == 9
    kpis = rows_of(workbook["KPI"])
    assert [row[0] for row in kpis] == ["K002", "K019", "K035", "K038", "K039", "K040"]
    # A shared KPI names all of its projects.
    assert kpis[-1][-1] == "P071, P072, P073"


def test_export_with_a_kpi_queryset(edition_2024, django_assert_max_num_queries):
    projects = Project.objects.filter(code__in=["P009", "P001"])
    with django_assert_max_num_queries(9):
        data = export_workbook(projects, kpi_queryset=Kpi.objects.filter(code="K007"))
    workbook = load_workbook(io.BytesIO(data))
    assert [row[0] for row in rows_of(workbook["KPI"])] == ["K007"]
    # The listing sheet still shows each project's own KPIs for reference.
    assert [row[7] for row in rows_of(workbook["個別プロジェクト"])] == [
        "市民の自主的なまち美化意識の推進",
        "市内再エネ導入量",
    ]


def test_export_refuses_two_editions(edition_2024):
    small_edition(2)
    with pytest.raises(ValueError, match="一つの版の事業だけを書き出せます"):
        export_workbook(Project.objects.all())


@pytest.mark.parametrize("project_count", [10, 200])
def test_export_query_count_does_not_grow_with_rows(
    db, project_count, django_assert_max_num_queries
):
    edition = small_edition(project_count)
    with django_assert_max_num_queries(8):
        data = export_workbook(Project.objects.filter(edition=edition))
    workbook = load_workbook(io.BytesIO(data))
    listing_rows = project_count + len(range(0, project_count, 3))
    assert workbook["個別プロジェクト"].max_row == listing_rows + 1
    assert workbook["KPI"].max_row == project_count + 1


def test_export_of_2024_edition_query_count(edition_2024, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        export_workbook(Project.objects.filter(edition=edition_2024))
