"""Excel export and import in the admin, and the import_plan command."""

import io
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Bureau, Role
from plan.models import ChangeRequest, Project, WorkbookUpload
from plan.workbook import LISTING_SHEET, export_workbook
from tests.admin_forms import client_as, read_form
from tests.factories import UserFactory
from tests.workbook_samples import column_of, edit_workbook

pytestmark = pytest.mark.django_db


def listing_codes(data: bytes) -> list[str]:
    sheet = load_workbook(io.BytesIO(data), read_only=True)[LISTING_SHEET]
    return [row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]]


def edited(summary_by_code: dict[str, str]) -> bytes:
    def edit(workbook):
        sheet = workbook[LISTING_SHEET]
        code_column, summary_column = column_of(sheet, "事業コード"), column_of(sheet, "概要")
        for row in range(2, sheet.max_row + 1):
            code = sheet.cell(row, code_column).value
            if code in summary_by_code:
                sheet.cell(row, summary_column).value = summary_by_code[code]

    return edit_workbook(export_workbook(Project.objects.all()), edit)


def upload(client, data: bytes, name: str = "産業経済局.xlsx"):
    return client.post(
        reverse("admin:plan_project_import"),
        {"edition": Project.objects.first().edition_id, "workbook": SimpleUploadedFile(name, data)},
    )


def test_staff_changelist_offers_an_export_of_their_own_bureau(world):
    response = client_as(world.sangyo).get(reverse("admin:plan_project_changelist"))
    html = response.content.decode()
    link = next(
        part for part in html.split('"') if part.startswith(reverse("admin:plan_project_export"))
    )
    query = parse_qs(urlparse(link.replace("&amp;", "&")).query)
    assert query == {"edition": ["2024"], "bureau": ["産業経済局"]}
    assert "Excel 取込" in html


def test_export_of_a_bureau_selection(world):
    response = client_as(world.sangyo).get(
        reverse("admin:plan_project_export"),
        {"edition": "2024", "bureau": "産業経済局", "download": "1"},
    )
    assert (
        response["Content-Type"]
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    assert (
        "%E7%94%A3%E6%A5%AD%E7%B5%8C%E6%B8%88%E5%B1%80" in response["Content-Disposition"]
    )  # 産業経済局
    codes = listing_codes(response.content)
    assert len(codes) == 9
    assert "P002" in codes


def test_export_form_counts_the_selection(world):
    response = client_as(world.viewer).get(reverse("admin:plan_project_export"), {"goal": "IV"})
    assert response.status_code == 200
    assert response.context["count"] == 4


def test_export_selected_action(world):
    projects = Project.objects.filter(code__in=["P022", "P090"])
    response = client_as(world.viewer).post(
        reverse("admin:plan_project_changelist"),
        {
            "action": "export_selected",
            "_selected_action": [str(p.pk) for p in projects],
            "index": "0",
        },
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert sorted(listing_codes(response.content)) == ["P022"] * 6 + ["P090"] * 3


def test_staff_import_preview_then_confirm_becomes_a_change_request(world):
    client = client_as(world.sangyo)
    response = upload(client, edited({"P002": "海岸清掃の支援と漂着物の回収"}))
    html = response.content.decode()
    assert response.status_code == 200
    assert "変更: 事業 P002「海岸漂着物処理推進事業」" in html
    assert '<td class="after">海岸清掃の支援<ins>と漂着物の回収</ins></td>' in html
    assert "変更申請として提出" in html
    upload_record = WorkbookUpload.objects.get()
    assert (
        Project.objects.get(code="P002").summary == "ボランティアによる海岸清掃活動の支援を行う。"
    )

    response = client.post(reverse("admin:plan_project_import_confirm", args=[upload_record.pk]))
    change_request = ChangeRequest.objects.get()
    assert response["Location"] == reverse(
        "admin:plan_changerequest_change", args=[change_request.pk]
    )
    assert (change_request.status, change_request.source_name) == ("pending", "産業経済局.xlsx")
    assert not WorkbookUpload.objects.exists()
    assert (
        Project.objects.get(code="P002").summary == "ボランティアによる海岸清掃活動の支援を行う。"
    )


def test_import_of_another_bureaus_project_is_refused_in_the_preview(world):
    response = upload(client_as(world.sangyo), edited({"P001": "他局の事業の書き換え"}))
    html = response.content.decode()
    assert "エラーが 1 件あります" in html
    assert "事業 P001「まち美化ボランティアへの助成事業」は変更できません" in html
    assert "変更申請として提出" not in html
    assert not WorkbookUpload.objects.exists()
    # The preview agrees with itself: the refused project is listed as an error, and the summary
    # counts the same errors as the banner.
    assert "<h2>エラー: 事業 P001「まち美化ボランティアへの助成事業」" in html
    assert "変更: 事業 P001" not in html
    assert "エラーのある事業 1件" in html
    assert '<p id="import-error-count">エラー: 1件</p>' in html


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "plan.xlsx",
            "事業コード,概要\nP001,x\n".encode(),
            "CSV などのテキストファイルは読み込めません。",
        ),
        ("plan.xlsx", b"%PDF-1.4 fake", "PDF ファイルは読み込めません。"),
        ("plan.xlsx", b"", "入力されたファイルは空です。"),  # Django's own check of the upload
    ],
)
def test_a_file_that_is_not_a_workbook_is_refused_with_a_japanese_message(
    world, name, data, message
):
    response = upload(client_as(world.coordinator), data, name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WorkbookUpload.objects.exists()
    assert not ChangeRequest.objects.exists()


def test_coordinator_import_applies_at_once(world):
    client = client_as(world.coordinator)
    upload(client, edited({"P001": "取りまとめ担当の取込"}))
    client.post(
        reverse("admin:plan_project_import_confirm", args=[WorkbookUpload.objects.get().pk])
    )
    assert Project.objects.get(code="P001").summary == "取りまとめ担当の取込"
    assert ChangeRequest.objects.get().status == "applied"


def test_nobody_confirms_someone_elses_upload(world):
    upload(client_as(world.sangyo), edited({"P002": "本人だけが確定できる"}))
    pending = WorkbookUpload.objects.get()
    response = client_as(world.coordinator).post(
        reverse("admin:plan_project_import_confirm", args=[pending.pk])
    )
    assert response.status_code == 404
    assert not ChangeRequest.objects.exists()


def test_viewer_may_export_but_not_import(world):
    client = client_as(world.viewer)
    assert client.get(reverse("admin:plan_project_import")).status_code == 403
    assert client.get(reverse("admin:plan_project_export")).status_code == 200
    assert "Excel 取込" not in client.get(reverse("admin:plan_project_changelist")).content.decode()


def test_import_plan_command_dry_run_and_apply(world, tmp_path, capsys):
    path = tmp_path / "産業経済局.xlsx"
    path.write_bytes(edited({"P002": "コマンドからの変更"}))
    call_command("import_plan", str(path), "--user", "sangyo", "--dry-run")
    out = capsys.readouterr().out
    assert "事業: 新規 0件、変更 1件、変更なし 89件、エラー 0件" in out
    assert "何も書き込んでいません" in out
    assert not ChangeRequest.objects.exists()
    call_command("import_plan", str(path), "--user", "sangyo")
    assert "を提出しました" in capsys.readouterr().out
    assert ChangeRequest.objects.get().source_name == "産業経済局.xlsx"


def test_import_plan_command_fails_on_errors_and_writes_nothing(world, tmp_path, capsys):
    path = tmp_path / "x.xlsx"
    path.write_bytes(edited({"P001": "他局の事業"}))
    with pytest.raises(CommandError, match="エラーが 1 件あるため、何も取り込みませんでした。"):
        call_command("import_plan", str(path), "--user", "sangyo")
    assert (
        "事業 P001「まち美化ボランティアへの助成事業」は変更できません" in capsys.readouterr().err
    )
    assert not ChangeRequest.objects.exists()
    with pytest.raises(CommandError, match="利用者「nobody」はいません"):
        call_command("import_plan", str(path), "--user", "nobody")
    (tmp_path / "bad.xlsx").write_bytes(bytes(range(256)) * 4)  # random bytes
    with pytest.raises(CommandError, match=r"bad\.xlsx: Excel ブック \(\.xlsx\) ではありません"):
        call_command("import_plan", str(tmp_path / "bad.xlsx"), "--user", "coordinator")


def test_export_page_refuses_an_unreadable_year_without_failing(world):
    response = client_as(world.coordinator).get(
        reverse("admin:plan_project_export"), {"edition": "abc", "download": "1"}
    )
    assert response.status_code == 200
    assert "絞り込みの条件を確かめてください。" in response.content.decode()


def test_staff_of_two_bureaus_export_both_as_their_own(world):
    """「自局のみ」 means every bureau of the user; the export link selects the same projects."""
    staff = UserFactory(
        username="two",
        role=Role.BUREAU_STAFF,
        bureaus=list(Bureau.objects.filter(name__in=["産業経済局", "教育委員会"])),
    )
    client = client_as(staff)
    changelist = client.get(reverse("admin:plan_project_changelist"))
    assert changelist.context["cl"].result_count == 10
    html = changelist.content.decode()
    link = next(
        part for part in html.split('"') if part.startswith(reverse("admin:plan_project_export"))
    )
    query = parse_qs(urlparse(link.replace("&amp;", "&")).query)
    assert query["bureau"] == ["産業経済局", "教育委員会"]
    response = client.get(reverse("admin:plan_project_export"), {**query, "download": "1"})
    assert len(set(listing_codes(response.content))) == 10
    assert "P021" in listing_codes(response.content)  # 教育委員会's


def test_the_import_preview_says_when_it_overlaps_an_open_request_of_ones_own(world):
    client = client_as(world.sangyo)
    project = Project.objects.get(code="P002")
    url = reverse("admin:plan_project_change", args=[project.pk])
    data = read_form(client.get(url).content.decode(), "project_form")
    data.update({"summary": "画面からの変更", "change_reason": "更新"})
    assert client.post(url, data).status_code == 302
    open_request = ChangeRequest.objects.get()

    html = upload(client, edited({"P002": "海岸清掃の支援と漂着物の回収"})).content.decode()

    assert 'id="import-overlaps"' in html
    assert f"変更申請 #{open_request.pk}</a>「海岸漂着物処理推進事業」" in html
    other = (
        Project.objects.filter(bureau_links__bureau__name="産業経済局")
        .exclude(code="P002")
        .order_by("code")
        .first()
    )
    html = upload(client, edited({other.code: "別の事業の新しい概要"})).content.decode()
    assert "変更: 事業" in html
    assert 'id="import-overlaps"' not in html
