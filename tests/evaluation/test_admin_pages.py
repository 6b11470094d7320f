"""The evaluation's admin pages through the test client: opening a round, the sheet page (save,
conflict with the input kept, submit, return, confirm), 提出状況, 督促, the index to-do, the
project's page and the report."""

import pytest
from django.core import mail
from django.urls import reverse

from evaluation.models import EvaluationRound, EvaluationSheet
from evaluation.states import SheetState
from kpis.models import Kpi, KpiActual
from tests.evaluation.conftest import sheet_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def sheet_url(sheet) -> str:
    return reverse("admin:evaluation_evaluationsheet_change", args=[sheet.pk])


def form(sheet, button: str = "_save", **overrides) -> dict:
    kpi = Kpi.objects.get(code="K035")
    return {
        "version": str(sheet.version),
        "achievements": "竹林 12ha を整備した。",
        "self_assessment": "A",
        "issues": "担い手の確保。",
        f"actual-{kpi.pk}": "12ha",
        f"actual-{kpi.pk}-status": "preliminary",
        button: "1",
        **overrides,
    }


def test_a_coordinator_opens_a_round_from_the_admin(client, world, edition_2024):
    client.force_login(world.coordinator)
    data = {"edition": edition_2024.pk, "fiscal_year": "2024", "deadline": "2025-06-30"}
    response = client.post(reverse("admin:evaluation_evaluationround_add"), data)
    evaluation_round = EvaluationRound.objects.get()
    assert response.status_code == 302
    assert evaluation_round.sheets.count() == 90
    again = client.post(reverse("admin:evaluation_evaluationround_add"), data)
    assert "「令和6年度実績」の照会はすでに開始されています。" in again.content.decode()
    assert EvaluationRound.objects.count() == 1


def test_staff_may_not_open_a_round(client, world):
    client.force_login(world.sangyo)
    assert client.get(reverse("admin:evaluation_evaluationround_add")).status_code == 403


def test_the_sheet_page_cycle(client, world, evaluation_round):
    sheet = sheet_of(evaluation_round, "P065")
    client.force_login(world.sangyo)
    page = client.get(sheet_url(sheet)).content.decode()
    assert "放置竹林整備面積" in page and "23ha (R4年度)" in page
    client.post(sheet_url(sheet), form(sheet))
    sheet.refresh_from_db()
    assert (sheet.state, sheet.self_assessment, sheet.version) == ("draft", "A", 2)

    client.post(sheet_url(sheet), form(sheet, "_submit"))
    sheet.refresh_from_db()
    assert sheet.state == "submitted"
    assert sheet.change_request.status == "pending"

    client.force_login(world.coordinator)
    response = client.post(
        sheet_url(sheet), {"version": sheet.version, "_return": "1", "comment": ""}
    )
    assert "差し戻しのコメントを入力してください。" in response.content.decode()
    client.post(sheet_url(sheet), {"version": sheet.version, "_return": "1", "comment": "出典を"})
    sheet.refresh_from_db()
    assert (sheet.state, sheet.return_comment) == ("returned", "出典を")

    client.force_login(world.sangyo)
    assert "出典を" in client.get(sheet_url(sheet)).content.decode()
    client.post(sheet_url(sheet), form(sheet, "_submit", issues="出典: 林務課"))
    sheet.refresh_from_db()
    assert sheet.state == "submitted"

    client.force_login(world.coordinator)
    client.post(sheet_url(sheet), {"version": sheet.version, "_confirm": "1", "final_grade": "B"})
    sheet.refresh_from_db()
    assert (sheet.state, sheet.final_grade) == ("confirmed", "B")
    assert KpiActual.objects.get().text == "12ha"
    page = client.get(sheet_url(sheet)).content.decode()
    assert "入力: sangyo" in page


def test_a_stale_page_keeps_what_was_typed(client, world, evaluation_round):
    sheet = sheet_of(evaluation_round, "P065")
    client.force_login(world.sangyo)
    shown = form(sheet, achievements="先に保存した内容")
    client.post(sheet_url(sheet), shown)
    response = client.post(sheet_url(sheet), form(sheet, achievements="後から書いた大事な文章"))
    page = response.content.decode()
    assert "表示した版 1 → 現在の版 2" in page
    assert "後から書いた大事な文章" in page
    sheet.refresh_from_db()
    assert sheet.achievements == "先に保存した内容"


def test_a_warning_when_a_beside_a_lagging_kpi(client, world, evaluation_round, monkeypatch):
    monkeypatch.setattr(
        "evaluation.pages.kpi_statuses", lambda kpis, year: {kpi.pk: "遅れ" for kpi in kpis}
    )
    sheet = sheet_of(evaluation_round, "P065")
    client.force_login(world.sangyo)
    client.post(sheet_url(sheet), form(sheet))
    page = client.get(sheet_url(sheet)).content.decode()
    assert (
        "自己評価は「A (目標を達成)」ですが、KPI「K035 放置竹林整備面積」は「遅れ」です。" in page
    )


def test_other_staff_and_viewers_cannot_open_an_unconfirmed_sheet(client, world, evaluation_round):
    sheet = sheet_of(evaluation_round, "P001")  # 環境局's
    for user in (world.sangyo, world.viewer):
        client.force_login(user)
        assert client.get(sheet_url(sheet)).status_code in (302, 404)
        client.post(sheet_url(sheet), form(sheet))
    sheet.refresh_from_db()
    assert sheet.version == 1


def test_progress_page_and_remind(client, world, evaluation_round):
    world.sangyo.email = "sangyo@city.example"
    world.sangyo.save()
    EvaluationSheet.objects.exclude(project__code="P065").update(state=SheetState.SUBMITTED)
    client.force_login(world.coordinator)
    url = reverse("admin:evaluation_evaluationround_progress", args=[evaluation_round.pk])
    page = client.get(url).content.decode()
    assert '<th>産業経済局</th><td class="number">1</td><td class="number">0</td>' in page
    client.post(reverse("admin:evaluation_evaluationround_remind", args=[evaluation_round.pk]))
    assert [message.to for message in mail.outbox] == [["sangyo@city.example"]]


def test_the_index_shows_the_staffs_to_do(client, world, evaluation_round):
    sheets = EvaluationSheet.objects.filter(round=evaluation_round)
    sheets.filter(project__code__in=["P002", "P034", "P065"]).update(state=SheetState.DRAFT)
    sheets.filter(project__bureaus__name="産業経済局").exclude(
        project__code__in=["P002", "P034", "P065"]
    ).update(state=SheetState.SUBMITTED)
    client.force_login(world.sangyo)
    page = client.get(reverse("admin:index")).content.decode()
    assert "令和6年度実績の評価票: 未提出 3件 (期限6月30日)" in page


def test_a_projects_page_lists_its_sheets(client, world, evaluation_round):
    client.force_login(world.sangyo)
    project = sheet_of(evaluation_round, "P065").project
    page = client.get(reverse("admin:plan_project_change", args=[project.pk])).content.decode()
    assert "評価票 (年度ごと)" in page and "令和6年度実績" in page


def test_report_page_and_workbook(client, world, evaluation_round):
    client.force_login(world.coordinator)
    page = client.get(
        reverse("admin:evaluation_evaluationround_report", args=[evaluation_round.pk])
    )
    text = page.content.decode()
    assert "進捗評価報告 (令和6年度実績)" in text
    assert "style=" not in text
    workbook = client.get(
        reverse("admin:evaluation_evaluationround_xlsx", args=[evaluation_round.pk])
    )
    assert workbook["Content-Type"].startswith("application/vnd.openxmlformats")
    client.force_login(UserFactory(role="bureau_staff"))
    url = reverse("admin:evaluation_evaluationround_report", args=[evaluation_round.pk])
    assert client.get(url).status_code == 403


def test_a_closed_rounds_sheet_page_is_read_only(client, world, evaluation_round):
    sheet = sheet_of(evaluation_round, "P065")
    client.force_login(world.coordinator)
    client.post(reverse("admin:evaluation_evaluationround_close", args=[evaluation_round.pk]))
    client.force_login(world.sangyo)
    page = client.get(sheet_url(sheet)).content.decode()
    assert "この照会は締め切られています" in page
    assert 'name="achievements"' not in page and 'name="_submit"' not in page
    response = client.post(sheet_url(sheet), form(sheet))
    assert "この照会は締め切られています。評価票は閲覧だけができます。" in response.content.decode()
    sheet.refresh_from_db()
    assert sheet.version == 1


@pytest.mark.parametrize(("role", "rows"), [("sangyo", 9), ("coordinator", 90), ("viewer", 0)])
def test_the_sheet_list(client, world, evaluation_round, role, rows):
    """Staff start with their own bureau's sheets; viewers see only confirmed ones (none yet)."""
    client.force_login(getattr(world, role))
    response = client.get(reverse("admin:evaluation_evaluationsheet_changelist"), {"all": ""})
    assert response.context["cl"].result_count == rows


def test_the_sheet_list_shows_bureaus_in_order_without_reading_each_sheet(
    client, world, evaluation_round, django_assert_max_num_queries
):
    """A 共管 project's bureaus in their published order; the list's rows read neither the sheets'
    long texts nor their bureaus one by one (the same number of queries for 90 rows as for 1)."""
    client.force_login(world.coordinator)
    url = reverse("admin:evaluation_evaluationsheet_changelist")
    with django_assert_max_num_queries(12):
        response = client.get(url, {"q": "P040"})
    assert response.context["cl"].result_count == 1
    assert (
        '<td class="field-bureau_names">環境局 総務市民局 財政・変革局</td>'
        in response.content.decode()
    )
    with django_assert_max_num_queries(12):
        response = client.get(url, {"all": ""})
    assert response.context["cl"].result_count == 90
