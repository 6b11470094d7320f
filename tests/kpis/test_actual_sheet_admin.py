"""The yearly 「実績値」 sheet in the admin: django-import-export's export, import, 下見 and
confirmation, with the policy's scoping and the change engine behind them."""

import tempfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Bureau
from kpis.actual_sheet_services import actual_sheet_export
from kpis.models import Kpi, KpiActual, SheetUpload
from plan.models import ChangeRequest
from tests.admin_forms import client_as
from tests.kpis.sheet_helpers import append_row, fill, sheet_rows

pytestmark = pytest.mark.django_db

EXPORT = reverse("admin:kpis_kpiactual_export")
IMPORT = reverse("admin:kpis_kpiactual_import")
CONFIRM = reverse("admin:kpis_kpiactual_process_import")


def sangyo_sheet(world, user=None) -> bytes:
    bureau = Bureau.objects.get(name="産業経済局")
    return actual_sheet_export(acting_user=user or world.sangyo, bureau=bureau, year=2024)


def upload(client, data: bytes):
    file = SimpleUploadedFile("産業経済局.xlsx", data)
    return client.post(IMPORT, {"import_file": file, "format": "0", "resource": "0"})


def confirm(client, preview, reason: str = "令和6年度の実績"):
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    data["reason"] = reason
    return client.post(CONFIRM, data)


def test_staff_are_offered_only_their_own_bureau_and_get_the_sheet(world):
    client = client_as(world.sangyo)
    page = client.get(EXPORT)
    assert [bureau.name for bureau in page.context["form"].fields["bureau"].queryset] == [
        "産業経済局"
    ]
    sangyo = Bureau.objects.get(name="産業経済局")
    response = client.post(EXPORT, {"bureau": sangyo.pk, "year": 2024})
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    rows = sheet_rows(response.content)
    assert [row[0] for row in rows] == ["KPIコード", "K002", "K019", "K035", "K038", "K039", "K040"]

    other = Bureau.objects.get(name="環境局")
    refused = client.post(EXPORT, {"bureau": other.pk, "year": 2024})
    assert refused.status_code == 200
    assert refused.context["form"].errors["bureau"] == [
        "正しく選択してください。選択したものは候補にありません。"
    ]


def test_the_changelist_offers_both_doors_to_staff_and_neither_to_viewers(world):
    changelist = reverse("admin:kpis_kpiactual_changelist")
    html = client_as(world.sangyo).get(changelist).content.decode()
    assert "実績値シート出力" in html and "実績値シート取込" in html
    viewer = client_as(world.viewer)
    html = viewer.get(changelist).content.decode()
    assert "実績値シート出力" not in html and "実績値シート取込" not in html
    assert viewer.get(EXPORT).status_code == 403
    assert viewer.get(IMPORT).status_code == 403
    assert viewer.post(CONFIRM, {}).status_code == 403


def test_staff_upload_preview_and_confirm_make_one_pending_request(world):
    client = client_as(world.sangyo)
    filled = fill(sangyo_sheet(world), {("K035", "表記"): "25ha", ("K039", "表記"): "1,200m3"})
    preview = upload(client, filled)
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "新規 2 件・更新 0 件・変更なし 4 件" in html
    assert "<ins" in html and "25ha" in html
    assert KpiActual.objects.count() == 0 and ChangeRequest.objects.count() == 0

    response = confirm(client, preview)
    request = ChangeRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:plan_changerequest_change", args=[request.pk])
    assert (request.status, request.reason, request.items.count()) == (
        ChangeRequest.Status.PENDING,
        "令和6年度の実績",
        2,
    )
    assert KpiActual.objects.count() == 0


def test_a_coordinators_confirmation_is_applied_at_once(world):
    client = client_as(world.coordinator)
    preview = upload(
        client, fill(sangyo_sheet(world, world.coordinator), {("K035", "表記"): "25ha"})
    )
    response = confirm(client, preview, reason="")
    assert response["Location"] == reverse("admin:kpis_kpiactual_changelist")
    assert KpiActual.objects.get().text == "25ha"
    assert ChangeRequest.objects.get().status == ChangeRequest.Status.APPLIED_DIRECTLY


def test_an_unedited_sheet_has_nothing_to_confirm(world):
    preview = upload(client_as(world.sangyo), sangyo_sheet(world))
    assert preview.context.get("confirm_form") is None
    assert "変更はありません (変更なし 6 件)" in preview.content.decode()


def test_a_row_of_another_bureaus_kpi_is_shown_and_nothing_can_be_confirmed(world):
    filled = append_row(
        fill(sangyo_sheet(world), {("K035", "表記"): "25ha"}),
        {"KPIコード": "K001", "実績年度": 2024, "表記": "500MW"},
    )
    preview = upload(client_as(world.sangyo), filled)
    assert preview.context.get("confirm_form") is None
    assert preview.context["sheet_errors"] == [
        "「実績値」シート 8行目: この KPI の実績値は入力できません"
        " (あなたの局が所管する事業の KPI ではありません)"
    ]
    assert "8行目" in preview.content.decode()
    assert ChangeRequest.objects.count() == 0


def test_a_formula_file_is_refused_at_upload_with_its_place(world):
    preview = upload(client_as(world.sangyo), fill(sangyo_sheet(world), {("K035", "表記"): "=1+1"}))
    assert preview.context["form"].errors["import_file"] == [
        "「実績値」シート 4行目「表記」列: 数式は取り込めません。数式ではなく値を入れてください"
    ]


def test_a_confirmation_after_the_series_changed_is_refused(world):
    actual = KpiActual.objects.create(kpi=Kpi.objects.get(code="K035"), year=2024, text="21ha")
    client = client_as(world.coordinator)
    preview = upload(
        client, fill(sangyo_sheet(world, world.coordinator), {("K035", "表記"): "22ha"})
    )
    KpiActual.objects.filter(pk=actual.pk).update(text="23ha")
    response = confirm(client, preview)
    assert response.status_code == 200
    assert response.context["sheet_errors"] == [
        "確認画面を表示した後に、実績値が変更されました。何も取り込んでいません。"
        "もう一度ファイルを選んで、新しい差分を確かめてください。"
    ]
    actual.refresh_from_db()
    assert actual.text == "23ha"
    assert ChangeRequest.objects.count() == 0


def test_the_preview_shows_at_most_its_budget_of_rows(world, monkeypatch):
    monkeypatch.setattr("kpis.admin_actuals.PREVIEW_ROWS", 1)
    filled = fill(sangyo_sheet(world), {("K035", "表記"): "25ha", ("K039", "表記"): "1,200m3"})
    preview = upload(client_as(world.sangyo), filled)
    assert len(preview.context["preview_rows"]) == 1
    assert (
        "ほか 1 件 (取込内容の確認には最初の 1 件だけを示しています)。" in preview.content.decode()
    )


def test_the_upload_waits_in_the_database_so_any_server_may_confirm_it(
    world, tmp_path, monkeypatch
):
    """The 下見 keeps the file in the database, not a server's temporary folder: a confirmation
    reaching a server with an empty /tmp still imports it, and the kept upload is then gone."""
    client = client_as(world.coordinator)
    preview = upload(
        client, fill(sangyo_sheet(world, world.coordinator), {("K035", "表記"): "25ha"})
    )
    name = preview.context["confirm_form"].initial["import_file_name"]
    assert list(SheetUpload.objects.values_list("name", flat=True)) == [name]
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # "another server"
    response = confirm(client, preview)
    assert response["Location"] == reverse("admin:kpis_kpiactual_changelist")
    assert KpiActual.objects.get().text == "25ha"
    assert SheetUpload.objects.count() == 0
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd", "0" * 32, "ABCDEF0123456789ABCDEF0123456789"],
    ids=["path", "unknown", "not-ours"],
)
def test_a_forged_or_unknown_upload_name_is_expired_and_writes_nothing(world, name):
    client = client_as(world.coordinator)
    preview = upload(
        client, fill(sangyo_sheet(world, world.coordinator), {("K035", "表記"): "25ha"})
    )
    form = preview.context["confirm_form"]
    data = {field: form.initial.get(field, "") for field in form.fields}
    data["import_file_name"] = name
    response = client.post(CONFIRM, data, follow=True)
    messages = [str(message) for message in response.context["messages"]]
    assert messages == ["取込内容の確認の有効期限が切れました。もう一度ファイルを選んでください。"]
    assert KpiActual.objects.count() == 0 and ChangeRequest.objects.count() == 0
    assert SheetUpload.objects.count() == 1


def test_uploads_older_than_a_day_are_deleted_on_the_next_upload(world):
    old = SheetUpload.objects.create(name="a" * 32, content=b"x")
    SheetUpload.objects.filter(pk=old.pk).update(
        uploaded_at=timezone.now() - timedelta(days=1, minutes=1)
    )
    recent = SheetUpload.objects.create(name="b" * 32, content=b"y")
    upload(client_as(world.sangyo), fill(sangyo_sheet(world), {("K035", "表記"): "25ha"}))
    assert not SheetUpload.objects.filter(pk=old.pk).exists()
    assert SheetUpload.objects.filter(pk=recent.pk).exists()
    assert SheetUpload.objects.count() == 2
