"""Importing the city's workbook: scoped to the importing bureau, all or nothing, through the
same services as the admin (staff: one change request; coordinators: applied and recorded)."""

import pytest

from kpis.models import Kpi, KpiValue
from plan.models import ChangeRequest, Listing, Project
from plan.workbook import (
    LISTING_SHEET,
    ImportRefused,
    export_workbook,
    workbook_import_apply,
    workbook_import_preview,
)
from tests.workbook_samples import column_of, edit_workbook

pytestmark = pytest.mark.django_db


def exported(edition) -> bytes:
    return export_workbook(Project.objects.filter(edition=edition))


def set_cell(data: bytes, code: str, header: str, value) -> bytes:
    """Change a cell of every row of a project on the listing sheet."""

    def edit(workbook):
        sheet = workbook[LISTING_SHEET]
        code_column, target = column_of(sheet, "事業コード"), column_of(sheet, header)
        for row in range(2, sheet.max_row + 1):
            if sheet.cell(row, code_column).value == code:
                sheet.cell(row, target).value = value

    return edit_workbook(data, edit)


def row_of(data: bytes, code: str) -> int:
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data))[LISTING_SHEET]
    code_column = column_of(sheet, "事業コード")
    return next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, code_column).value == code)


def test_an_unedited_workbook_changes_nothing(world, edition_2024):
    result = workbook_import_preview(
        acting_user=world.sangyo, edition=edition_2024, file=exported(edition_2024)
    )
    assert (result.errors, result.change_count) == ([], 0)
    assert result.preview.project_counts()["unchanged"] == 90
    assert (
        workbook_import_apply(
            acting_user=world.coordinator,
            edition=edition_2024,
            file=exported(edition_2024),
            file_name="a.xlsx",
        )
        is None
    )
    assert not ChangeRequest.objects.exists()


def test_staff_import_becomes_one_change_request(world, edition_2024):
    # P002 海岸漂着物処理推進事業 is 産業経済局's.
    data = set_cell(
        exported(edition_2024),
        "P002",
        "概要",
        "ボランティアによる海岸清掃活動と漂着物の回収を支援する。",
    )
    change_request = workbook_import_apply(
        acting_user=world.sangyo, edition=edition_2024, file=data, file_name="産業経済局.xlsx"
    )
    assert (change_request.status, change_request.source, change_request.source_name) == (
        "pending",
        "import",
        "産業経済局.xlsx",
    )
    assert [(i.operation, i.model_label, i.proposed) for i in change_request.items.all()] == [
        (
            "update",
            "plan.project",
            {"summary": "ボランティアによる海岸清掃活動と漂着物の回収を支援する。"},
        )
    ]
    assert (
        Project.objects.get(code="P002").summary == "ボランティアによる海岸清掃活動の支援を行う。"
    )


def test_staff_cannot_import_changes_to_another_bureaus_project(world, edition_2024):
    original = exported(edition_2024)
    data = set_cell(original, "P001", "概要", "他局の事業を書き換える")  # 環境局's
    data = set_cell(data, "P002", "概要", "自局の事業の変更")
    with pytest.raises(ImportRefused) as refused:
        workbook_import_apply(
            acting_user=world.sangyo, edition=edition_2024, file=data, file_name="x.xlsx"
        )
    messages = [str(issue) for issue in refused.value.issues]
    assert messages == [
        f"「個別プロジェクト」シート {row_of(original, 'P001')}行目「事業コード」列: "
        "事業 P001「まち美化ボランティアへの助成事業」は変更できません (個別プロジェクトの変更は許可されていません)。"
        "所管する事業と、その KPI だけを変えられます。"
    ]
    assert (
        not ChangeRequest.objects.exists()
    )  # all or nothing: the own change is not submitted either
    assert (
        Project.objects.get(code="P002").summary == "ボランティアによる海岸清掃活動の支援を行う。"
    )


def test_staff_cannot_move_listings(world, edition_2024):
    data = set_cell(exported(edition_2024), "P002", "No", 20)
    result = workbook_import_preview(acting_user=world.sangyo, edition=edition_2024, file=data)
    assert [issue.message for issue in result.errors] == [
        "事業 P002「海岸漂着物処理推進事業」は変更できません (掲載の削除は許可されていません)。"
        "所管する事業と、その KPI だけを変えられます。"
    ]


def test_coordinator_import_applies_at_once_and_is_recorded_with_the_file_name(world, edition_2024):
    data = set_cell(exported(edition_2024), "P001", "概要", "まち美化ボランティア袋を配布する。")
    data = set_cell(data, "P002", "No", 20)
    change_request = workbook_import_apply(
        acting_user=world.coordinator,
        edition=edition_2024,
        file=data,
        file_name="全体_2024.xlsx",
    )
    assert change_request.status == "applied"
    project = Project.objects.get(code="P001")
    assert project.summary == "まち美化ボランティア袋を配布する。"
    record = project.history.latest()
    assert (record.approved_by.username, record.history_change_reason) == (
        "coordinator",
        "Excel 取込 (全体_2024.xlsx)",
    )
    assert list(Listing.objects.filter(project__code="P002").values_list("number", flat=True)) == [
        20
    ]


def test_an_error_on_the_last_row_writes_nothing(world, edition_2024):
    data = set_cell(exported(edition_2024), "P001", "概要", "最初の行の変更")
    data = set_cell(data, "P090", "所管局", "存在しない局")
    with pytest.raises(ImportRefused) as refused:
        workbook_import_apply(
            acting_user=world.coordinator, edition=edition_2024, file=data, file_name="x.xlsx"
        )
    assert any("存在しない局" in str(issue) for issue in refused.value.issues)
    assert Project.objects.get(code="P001").summary.startswith("ボランティア清掃ごみ収集用の")
    assert not ChangeRequest.objects.exists()


def test_viewer_cannot_import_anything(world, edition_2024):
    data = set_cell(exported(edition_2024), "P002", "概要", "閲覧者の変更")
    with pytest.raises(ImportRefused):
        workbook_import_apply(
            acting_user=world.viewer, edition=edition_2024, file=data, file_name="x.xlsx"
        )
    assert not ChangeRequest.objects.exists()


def test_importing_the_exported_edition_into_an_empty_edition_recreates_it(world, edition_2024):
    """Export, empty the edition of projects and KPIs (goals, measures and bureaus stay), import."""
    data = exported(edition_2024)
    texts = sorted(Project.objects.values_list("code", "name", "summary", "is_new"))
    kpi_texts = sorted(
        KpiValue.objects.values_list("kpi__code", "kind", "text", "value", "unit", "fiscal_year")
    )
    Project.objects.all().delete()
    Kpi.objects.all().delete()

    change_request = workbook_import_apply(
        acting_user=world.coordinator, edition=edition_2024, file=data, file_name="2024.xlsx"
    )
    assert change_request.status == "applied"
    assert (Project.objects.count(), Listing.objects.count(), Kpi.objects.count()) == (90, 97, 51)
    assert sorted(Project.objects.values_list("code", "name", "summary", "is_new")) == texts
    assert (
        sorted(
            KpiValue.objects.values_list(
                "kpi__code", "kind", "text", "value", "unit", "fiscal_year"
            )
        )
        == kpi_texts
    )
    shared = Kpi.objects.get(indicator="市内再エネ導入量")
    assert shared.projects.count() == 7
    hub = Project.objects.get(name="アジア・グリーン共創ハブ推進事業")
    assert hub.listings.count() == 6
    assert [
        b.name
        for b in Project.objects.get(name="公用車の共用化及び電動車普及の推進").bureaus.order_by(
            "project_links__position"
        )
    ] == [
        "環境局",
        "総務市民局",
        "財政・変革局",
    ]
