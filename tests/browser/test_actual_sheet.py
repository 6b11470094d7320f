"""The yearly 「実績値」 sheet in a real browser: ``sangyo`` (産業経済局) exports the bureau's sheet,
fills K035 「放置竹林整備面積」 with openpyxl, imports it (upload → 「下見」 → 「取り込む」) and it waits as
ONE change request; the coordinator approves it; the KPI's actuals show the new figure.

``transaction=True`` (the live server runs in another thread) flushes the database after each test,
so the test loads the 2024 edition and the demo users through ``setup_demo``.
"""

import os
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from playwright.sync_api import expect

from accounts.management.commands.setup_demo import DEFAULT_DEMO_PASSWORD
from kpis.models import ActualStatus, KpiActual
from plan.models import ChangeRequest

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR", "/tmp")


@pytest.fixture
def demo_password():
    call_command("setup_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


def fill_k035(path, text: str, status: str) -> None:
    workbook = load_workbook(path)
    sheet = workbook["実績値"]
    headers = [cell.value for cell in sheet[1]]
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, 1).value == "K035":
            sheet.cell(row, headers.index("表記") + 1).value = text
            sheet.cell(row, headers.index("確定状況") + 1).value = status
    workbook.save(path)


def object_tool(page, name: str):
    return page.locator(".object-tools").get_by_role("link", name=name, exact=True)


@pytest.mark.django_db(transaction=True)
def test_staff_fill_and_import_the_sheet_then_the_coordinator_approves(
    demo_password, admin_login, live_server, tmp_path
):
    # 出力: sangyo's only bureau is offered; the year is asked.
    page = admin_login("sangyo", demo_password)
    page.goto(f"{live_server.url}/admin/kpis/kpiactual/")
    object_tool(page, "実績値シート出力").click()
    expect(page.locator("select[name=bureau] option:checked")).to_have_text("産業経済局")
    page.fill("input[name=year]", "2024")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="書き出す").click()
    path = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(path)
    fill_k035(path, "25ha", "確定値")

    # 「取込」: upload → 「下見」 (the diff) → 「取り込む」: one change request, nothing applied yet.
    page.goto(f"{live_server.url}/admin/kpis/kpiactual/")
    object_tool(page, "実績値シート取込").click()
    page.set_input_files("input[name=import_file]", str(path))
    page.get_by_role("button", name="取込内容を確認する").click()
    expect(page.locator("#sheet-summary")).to_contain_text("新規 1 件・更新 0 件・変更なし 5 件")
    row = page.locator("table.import-preview tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(1)).to_have_text("K035")
    expect(row.locator("td").nth(3)).to_have_text("25ha")
    expect(row.locator("td").nth(4)).to_have_text("確定値")
    page.screenshot(path=f"{SCREENSHOTS}/actual-sheet-preview.png", full_page=True)
    page.fill("textarea[name=reason]", "令和6年度の実績 (森林課調べ)")
    page.get_by_role("button", name="取り込む").click()
    page.wait_for_url(re.compile(r"/admin/plan/changerequest/\d+/change/$"))
    expect(page.locator("ul.messagelist li.success")).to_contain_text(
        "1 件の実績値を変更申請にしました"
    )
    expect(page.locator("#change-request-status")).to_have_text("審査待ち")
    change_request = ChangeRequest.objects.get()
    assert (change_request.status, change_request.submitted_by.username) == (
        ChangeRequest.Status.PENDING,
        "sangyo",
    )
    assert KpiActual.objects.count() == 0
    page.locator("#user-tools").get_by_role("button", name="ログアウト").click()

    # 承認: the coordinator approves; the actual is the KPI's.
    page = admin_login("coordinator", demo_password)
    page.goto(f"{live_server.url}/admin/plan/changerequest/{change_request.pk}/change/")
    expect(page.locator("#content")).to_contain_text("25ha")
    page.screenshot(path=f"{SCREENSHOTS}/actual-sheet-request.png", full_page=True)
    page.locator("#decision-form").get_by_role("button", name="承認して反映").click()
    expect(page.locator("#change-request-status")).to_have_text("承認・反映済み")

    actual = KpiActual.objects.get()
    assert (actual.kpi.code, actual.year, actual.text, actual.value, actual.unit) == (
        "K035",
        2024,
        "25ha",
        Decimal("25"),
        "ha",
    )
    assert actual.status == ActualStatus.FINAL
    page.goto(f"{live_server.url}/admin/kpis/kpiactual/?q=K035")
    result_row = page.locator("#result_list tbody tr")
    expect(result_row).to_have_count(1)
    expect(result_row).to_contain_text("放置竹林整備面積")
    expect(result_row).to_contain_text("25ha")
    expect(result_row).to_contain_text("確定値")
    page.screenshot(path=f"{SCREENSHOTS}/actual-sheet-approved.png", full_page=True)
