"""The yearly 「実績値」 sheet round trip, through the services the admin and the commands share:
export → unedited import is no change; a filled sheet imported by staff is ONE pending change
request; a row of another bureau's KPI is an error naming sheet and row; nothing is written on any
error; a coordinator's import is applied at once; the series is matched by code and year."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import Bureau
from kpis.actual_sheet_services import actual_sheet_export, actual_sheet_import
from kpis.models import ActualStatus, Kpi, KpiActual
from plan.changes import change_request_approve
from plan.models import ChangeItem, ChangeRequest
from tests.kpis.sheet_helpers import append_row, fill, sheet_rows

pytestmark = pytest.mark.django_db

HEADERS = [
    "KPIコード",
    "事業目標",
    "事業",
    "基準値",
    "目標値",
    "実績年度",
    "表記",
    "確定状況",
    "出典・備考",
]
SANGYO_ROWS = [
    [
        "K002",
        "漂着ごみが原因の事故防止",
        "P002 海岸漂着物処理推進事業",
        "0件 (R4年度)",
        "事故0件の維持",
    ],
    ["K019", "GX関連の新ビジネス創出", None, None, "30社 (R5～R12年度累計)"],
    ["K035", "放置竹林整備面積", None, "23ha (R4年度)", "年間20ha"],
    ["K038", "市民からの相談件数", None, "R5年度", "前年度以下"],
    ["K039", "木材搬出量", None, "696m3 (R4年度)", "10,000m3 (R4～R8年度)"],
    ["K040", "一経営体あたりの年間生産額向上率(%)", None, "0% (R3年度)", "1%/年"],
]


def export(world, year=2024, user=None) -> bytes:
    bureau = Bureau.objects.get(name="産業経済局")
    return actual_sheet_export(acting_user=user or world.sangyo, bureau=bureau, year=year)


def test_the_export_has_one_row_per_kpi_of_the_bureau_with_empty_columns_for_the_year(world):
    rows = sheet_rows(export(world))
    assert rows[0] == HEADERS
    assert [row[0] for row in rows[1:]] == [row[0] for row in SANGYO_ROWS]
    for row, expected in zip(rows[1:], SANGYO_ROWS, strict=True):
        assert row[1] == expected[1]
        assert (row[3], row[4]) == (expected[3], expected[4])
        assert row[5:] == [2024, None, None, None]
    assert rows[1][2] == "P002 海岸漂着物処理推進事業"


def test_past_actuals_are_read_only_columns_and_the_years_actual_is_filled_in(world):
    k035 = Kpi.objects.get(code="K035")
    KpiActual.objects.create(kpi=k035, year=2023, text="18ha")
    KpiActual.objects.create(
        kpi=k035, year=2024, text="21ha", status=ActualStatus.FINAL, note="森林課調べ"
    )
    KpiActual.objects.create(kpi=k035, year=2025, text="未来の値")
    rows = sheet_rows(export(world))
    assert rows[0] == [*HEADERS[:5], "実績 2023年度", *HEADERS[5:]]
    k035_row = next(row for row in rows if row[0] == "K035")
    assert k035_row[5:] == ["18ha", 2024, "21ha", "確定値", "森林課調べ"]


def test_an_unedited_sheet_imports_as_no_change(world):
    KpiActual.objects.create(kpi=Kpi.objects.get(code="K035"), year=2024, text="21ha")
    outcome = actual_sheet_import(
        acting_user=world.sangyo, source=export(world), file_name="a.xlsx"
    )
    assert (outcome.new, outcome.updated, outcome.unchanged, outcome.errors) == (0, 0, 6, ())
    assert outcome.proposal is None
    assert ChangeRequest.objects.count() == 0


def test_a_filled_sheet_imported_by_staff_becomes_one_pending_request(world):
    filled = fill(
        export(world),
        {
            ("K035", "表記"): "25ha",
            ("K035", "確定状況"): "確定値",
            ("K035", "出典・備考"): "森林課調べ",
            ("K039", "表記"): "1,200m3",
        },
    )
    outcome = actual_sheet_import(acting_user=world.sangyo, source=filled, file_name="産業.xlsx")
    assert (outcome.new, outcome.updated, outcome.errors) == (2, 0, ())
    request = ChangeRequest.objects.get()
    assert outcome.proposal.change_request == request
    assert (request.status, request.source, request.source_name) == (
        ChangeRequest.Status.PENDING,
        ChangeRequest.Source.IMPORT,
        "産業.xlsx",
    )
    assert request.title == "2024年度の実績値 2 件 (実績値シート)"
    assert [item.operation for item in request.items.order_by("position")] == [
        ChangeItem.Operation.CREATE,
        ChangeItem.Operation.CREATE,
    ]
    assert KpiActual.objects.count() == 0

    change_request_approve(acting_user=world.coordinator, change_request=request)
    k035 = KpiActual.objects.get(kpi__code="K035")
    assert (k035.year, k035.text, k035.value, k035.unit, k035.status, k035.note) == (
        2024,
        "25ha",
        Decimal("25"),
        "ha",
        ActualStatus.FINAL,
        "森林課調べ",
    )
    assert k035.entered_by == world.sangyo
    k039 = KpiActual.objects.get(kpi__code="K039")
    assert (k039.text, k039.value, k039.unit, k039.status) == (
        "1,200m3",
        Decimal("1200"),
        "m3",
        ActualStatus.PRELIMINARY,
    )


def test_a_coordinators_import_is_applied_at_once_and_updates_the_series(world):
    k035 = Kpi.objects.get(code="K035")
    actual = KpiActual.objects.create(kpi=k035, year=2024, text="21ha", value=21, unit="ha")
    filled = fill(export(world, user=world.coordinator), {("K035", "表記"): "約22ha"})
    outcome = actual_sheet_import(acting_user=world.coordinator, source=filled, file_name="x.xlsx")
    assert (outcome.new, outcome.updated, outcome.errors) == (0, 1, ())
    assert outcome.proposal.applied is True
    actual.refresh_from_db()
    assert (actual.text, actual.value, actual.unit, actual.qualifier) == (
        "約22ha",
        Decimal("22"),
        "ha",
        "約",
    )
    assert actual.entered_by == world.coordinator
    assert KpiActual.objects.count() == 1


def test_a_row_of_another_bureaus_kpi_is_an_error_naming_sheet_and_row(world):
    filled = append_row(
        fill(export(world), {("K035", "表記"): "25ha"}),
        {"KPIコード": "K001", "実績年度": 2024, "表記": "500MW"},
    )
    outcome = actual_sheet_import(acting_user=world.sangyo, source=filled, file_name="x.xlsx")
    assert outcome.errors == (
        "「実績値」シート 8行目: この KPI の実績値は入力できません"
        " (あなたの局が所管する事業の KPI ではありません)",
    )
    assert ChangeRequest.objects.count() == 0
    assert KpiActual.objects.count() == 0


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (
            {("K035", "確定状況"): "確定", ("K035", "表記"): "25ha"},
            "「実績値」シート 4行目「確定状況」列: 確定状況は「速報値」か「確定値」にしてください (空なら速報値)",
        ),
        (
            {("K035", "実績年度"): "去年", ("K035", "表記"): "25ha"},
            "「実績値」シート 4行目「実績年度」列: 実績年度は西暦の年度 (例: 2024) の整数で入れてください",
        ),
        (
            {("K035", "出典・備考"): "森林課"},
            "「実績値」シート 4行目「表記」列: 表記を入れてください (確定状況・出典・備考だけでは取り込めません)",
        ),
        (
            {("K035", "KPIコード"): "K999", ("K035", "表記"): "1ha"},
            "「実績値」シート 4行目「KPIコード」列: KPIコード「K999」は令和6年(2024年)版にありません",
        ),
    ],
)
def test_a_bad_row_is_an_error_and_nothing_is_written(world, cells, expected):
    filled = fill(export(world), {("K039", "表記"): "1,200m3", **cells})
    outcome = actual_sheet_import(acting_user=world.sangyo, source=filled, file_name="x.xlsx")
    assert outcome.errors == (expected,)
    assert ChangeRequest.objects.count() == 0
    assert KpiActual.objects.count() == 0


def test_two_rows_for_the_same_kpi_and_year_are_an_error(world):
    filled = append_row(
        fill(export(world), {("K035", "表記"): "25ha"}),
        {"KPIコード": "K035", "実績年度": 2024, "表記": "26ha"},
    )
    outcome = actual_sheet_import(acting_user=world.sangyo, source=filled, file_name="x.xlsx")
    assert outcome.errors == (
        "「実績値」シート 8行目: 同じ KPI と実績年度の行がすでにあります (4行目)",
    )
    assert ChangeRequest.objects.count() == 0


def test_a_dry_run_writes_nothing_and_a_stale_confirmation_is_refused(world):
    k035 = Kpi.objects.get(code="K035")
    actual = KpiActual.objects.create(kpi=k035, year=2024, text="21ha")
    filled = fill(export(world, user=world.coordinator), {("K035", "表記"): "22ha"})
    preview = actual_sheet_import(acting_user=world.coordinator, source=filled, dry_run=True)
    assert (preview.updated, preview.errors, preview.proposal) == (1, (), None)
    actual.refresh_from_db()
    assert actual.text == "21ha"

    KpiActual.objects.filter(pk=actual.pk).update(text="23ha")  # someone else, meanwhile
    confirmed = actual_sheet_import(
        acting_user=world.coordinator, source=filled, expected_digest=preview.digest
    )
    assert confirmed.errors == (
        "確認画面を表示した後に、実績値が変更されました。何も取り込んでいません。"
        "もう一度ファイルを選んで、新しい差分を確かめてください。",
    )
    actual.refresh_from_db()
    assert actual.text == "23ha"
    assert ChangeRequest.objects.count() == 0


def test_viewers_may_not_import_nor_export(world):
    with pytest.raises(PermissionDenied):
        actual_sheet_import(acting_user=world.viewer, source=b"")
    with pytest.raises(PermissionDenied):
        export(world, user=world.viewer)


def test_staff_may_not_export_another_bureaus_sheet(world):
    with pytest.raises(PermissionDenied):
        actual_sheet_export(
            acting_user=world.sangyo, bureau=Bureau.objects.get(name="環境局"), year=2024
        )


def whole_edition_sheet(world, text: str, codes: int = 51) -> bytes:
    """Every KPI of the edition (51), the first ``codes`` rows' 「表記」 set to ``text``."""
    from kpis.actual_sheet import ActualSheetFormat
    from kpis.resources_export import ActualSheetExportResource

    dataset = ActualSheetExportResource(year=2024).export(queryset=Kpi.objects.all())
    sheet = ActualSheetFormat().export_data(dataset)
    filled = Kpi.objects.order_by("code").values_list("code", flat=True)[:codes]
    return fill(sheet, {(code, "表記"): text for code in filled})


def test_the_preview_costs_a_constant_number_of_queries(world, django_assert_max_num_queries):
    """下見 of 51 new rows as a coordinator: the KPIs and the series, whatever the rows."""
    data = whole_edition_sheet(world, "12件")
    with django_assert_max_num_queries(12):
        preview = actual_sheet_import(acting_user=world.coordinator, source=data, dry_run=True)
    assert (preview.new, preview.errors) == (51, ())


@pytest.mark.parametrize("codes", [6, 51])
def test_applying_costs_a_constant_number_of_queries(world, codes, django_assert_max_num_queries):
    """Confirmed as a coordinator, 6 or 51 new actuals: the same queries (the actuals and their
    history rows are inserted at once; on SQLite a statement takes at most 999 parameters, so
    one more insert per 49 history rows and per 71 actuals)."""
    data = whole_edition_sheet(world, "12件", codes=codes)
    with django_assert_max_num_queries(28):
        outcome = actual_sheet_import(acting_user=world.coordinator, source=data)
    assert (outcome.new, outcome.proposal.applied) == (codes, True)
    assert KpiActual.objects.count() == codes
    assert KpiActual.history.count() == codes


def test_text_that_looks_like_a_formula_round_trips_as_text(world):
    k035 = Kpi.objects.get(code="K035")
    KpiActual.objects.create(kpi=k035, year=2024, text="=SUM(A1)", note="+81 93 582 2111")
    data = export(world)
    rows = sheet_rows(data)
    k035_row = next(row for row in rows if row[0] == "K035")
    assert k035_row[6:] == ["=SUM(A1)", "速報値", "+81 93 582 2111"]
    outcome = actual_sheet_import(acting_user=world.sangyo, source=data)
    assert (outcome.updated, outcome.errors) == (0, ())


@pytest.mark.parametrize("codes", [("K002",), ("K002", "K019", "K039", "K040")])
def test_staffs_import_and_its_approval_cost_a_constant_number_of_queries(
    world, codes, django_assert_max_num_queries
):
    """Bureau staff's 下見, confirmation and the approval, for 1 or 4 new actuals and one updated:
    the policy reads the bureaus of the sheet's KPIs once, not per row."""
    KpiActual.objects.create(kpi=Kpi.objects.get(code="K035"), year=2024, text="21ha")
    data = fill(export(world), {(code, "表記"): "5件" for code in (*codes, "K035")})
    with django_assert_max_num_queries(14):
        preview = actual_sheet_import(acting_user=world.sangyo, source=data, dry_run=True)
    assert (preview.new, preview.updated, preview.errors) == (len(codes), 1, ())
    with django_assert_max_num_queries(23):
        outcome = actual_sheet_import(acting_user=world.sangyo, source=data)
    with django_assert_max_num_queries(17):
        change_request_approve(
            acting_user=world.coordinator, change_request=outcome.proposal.change_request
        )
    assert KpiActual.objects.count() == len(codes) + 1
