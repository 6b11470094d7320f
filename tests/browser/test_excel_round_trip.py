"""Excel round trip in a real browser: ``sangyo`` exports their bureau's workbook, edits a
cell with openpyxl, imports it (upload → preview → confirm) and the import waits for approval as a
change request; the coordinator approves it and the project shows the new text.

``transaction=True`` (the live server runs in another thread) flushes the database after each test,
so the test loads the 2024 edition and the demo users through ``setup_demo``.
"""

import os
import re

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from playwright.sync_api import expect

from accounts.management.commands.setup_demo import DEFAULT_DEMO_PASSWORD
from plan.models import ChangeRequest, Project

PROJECT_CODE = "P002"
PROJECT_NAME = "海岸漂着物処理推進事業"  # 産業経済局
NEW_SUMMARY = "海岸清掃のボランティア活動を支援し、漂着物を回収・処理する。"
SHEET = "個別プロジェクト"


@pytest.fixture
def demo_password():
    """The 2024 edition and the demo users, as ``make run`` prepares them."""
    call_command("setup_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


def success_message(page):
    return page.locator("ul.messagelist li.success")


def sign_out(page):
    """The admin's sign-out is a POST form in the header."""
    page.locator("#user-tools").get_by_role("button", name="ログアウト").click()
    expect(page.locator("#content")).to_contain_text("ログイン")


def object_tool(page, name: str):
    return page.locator(".object-tools").get_by_role("link", name=name, exact=True)


def column_of(sheet, header: str) -> int:
    """1-based column number of a header in the header row."""
    for cell in sheet[1]:
        if cell.value == header:
            return cell.column
    raise AssertionError(f"「{header}」列がありません: {[cell.value for cell in sheet[1]]}")


def edit_summary(path, code: str, summary: str) -> int:
    """Set the 概要 of every row of the project ``code``; returns how many rows were changed."""
    workbook = load_workbook(path)
    sheet = workbook[SHEET]
    code_column, summary_column = column_of(sheet, "事業コード"), column_of(sheet, "概要")
    changed = 0
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, code_column).value == code:
            sheet.cell(row, summary_column).value = summary
            changed += 1
    workbook.save(path)
    return changed


@pytest.mark.django_db(transaction=True)
def test_staff_export_edit_and_import_then_the_coordinator_approves(
    demo_password, admin_login, live_server, tmp_path
):
    project = Project.objects.get(code=PROJECT_CODE)
    assert project.name == PROJECT_NAME
    old_summary = project.summary

    # 出力: the changelist's 「Excel 出力」 opens the export form preselected with sangyo's bureau.
    page = admin_login("sangyo", demo_password)
    page.goto(f"{live_server.url}/admin/plan/project/")
    object_tool(page, "Excel 出力").click()
    page.wait_for_url(re.compile(r"/admin/plan/project/export/\?"))
    expect(page.locator("select[name=bureau]")).to_have_value("産業経済局")
    expect(page.locator("#export-count")).to_have_text("9")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Excel 出力", exact=True).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    assert "産業経済局" in download.suggested_filename
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    # Edit (「編集」): the 「概要」 of P002, found by header name and 「事業コード」.
    assert edit_summary(path, PROJECT_CODE, NEW_SUMMARY) >= 1

    # 取込: upload → preview → submit as a change request.
    page.goto(f"{live_server.url}/admin/plan/project/")
    object_tool(page, "Excel 取込").click()
    page.wait_for_url(re.compile(r"/admin/plan/project/import/$"))
    page.set_input_files("input[name=workbook]", str(path))
    page.get_by_role("button", name="取込内容を確認する").click()

    heading = f"変更: 事業 {PROJECT_CODE}「{PROJECT_NAME}」"
    item = page.locator(".change-item").filter(has=page.locator("h2", has_text=heading))
    expect(item).to_have_count(1)
    row = item.locator("table.diff tbody tr").filter(has=page.locator("th", has_text="概要"))
    expect(row.locator("td.before")).to_have_text(old_summary)
    expect(row.locator("td.after")).to_have_text(NEW_SUMMARY)
    expect(page.locator("#import-errors")).to_have_count(0)
    expect(page.locator(".change-item")).to_have_count(1)  # nothing else changes
    project.refresh_from_db()
    assert project.summary == old_summary  # the preview writes nothing

    page.get_by_role("button", name="変更申請として提出").click()
    page.wait_for_url(re.compile(r"/admin/plan/changerequest/\d+/change/$"))
    change_request = ChangeRequest.objects.get(pk=int(page.url.rstrip("/").split("/")[-2]))
    expect(success_message(page)).to_contain_text(
        f"取込を変更申請 #{change_request.pk} として提出しました"
    )
    expect(page.locator("#change-request-status")).to_have_text("審査待ち")
    assert change_request.status == ChangeRequest.Status.PENDING
    assert change_request.source == ChangeRequest.Source.IMPORT
    assert change_request.source_name == download.suggested_filename
    assert change_request.submitted_by.username == "sangyo"
    assert (
        ChangeRequest.objects.filter(
            status=ChangeRequest.Status.PENDING, source=ChangeRequest.Source.IMPORT
        ).count()
        == 1
    )
    project.refresh_from_db()
    assert project.summary == old_summary  # waits for the coordinator
    sign_out(page)

    # 承認: the coordinator finds the request from the index and approves it.
    page = admin_login("coordinator", demo_password)
    page.locator("#change-request-summary").get_by_role(
        "link", name="審査待ちの変更申請: 1件"
    ).click()
    page.locator("#result_list").get_by_role("link", name=f"#{change_request.pk}").click()
    # (The admin keeps the changelist's filters in the query string.)
    page.wait_for_url(re.compile(rf"/admin/plan/changerequest/{change_request.pk}/change/(\?|$)"))
    row = (
        page.locator("table.diff tbody tr")
        .filter(has=page.locator("th", has_text="概要"))
        .filter(has_text=NEW_SUMMARY)
    )
    expect(row).to_have_count(1)
    expect(row.locator("td.before")).to_have_text(old_summary)

    page.locator("#decision-form").get_by_role("button", name="承認して反映").click()
    expect(success_message(page)).to_contain_text(f"変更申請 #{change_request.pk} を承認し")
    expect(page.locator("#change-request-status")).to_have_text("承認・反映済み")

    page.goto(f"{live_server.url}/admin/plan/project/{project.pk}/change/")
    expect(page.locator("textarea[name=summary]")).to_have_value(NEW_SUMMARY)
    project.refresh_from_db()
    assert project.summary == NEW_SUMMARY
