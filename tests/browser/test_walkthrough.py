"""A week of one bureau (産業経済局, ``sangyo``) and one coordinator (``coordinator``), in a real
browser at 1366×900 with the 2024 edition: edit a project and its KPI (one request), return, fix,
resubmit, approve, import a workbook, review several at once, search, and read as a viewer.

Every step leaves a screenshot in one folder (``tests/browser/screens.py``; ``SCREENSHOT_DIR``
overrides it), which the test names when it ends, so that anyone can look through the week:

    pytest tests/browser/test_walkthrough.py -s
"""

import os
import re

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from playwright.sync_api import expect

from accounts.management.commands.setup_demo import DEFAULT_DEMO_PASSWORD
from kpis.models import Kpi
from plan.models import ChangeRequest, Project
from tests.browser.screens import LAPTOP, Screens

GX_PROJECT = "カーボンニュートラルを成長の機会と捉えたGX推進事業"  # P034, 産業経済局
GX_KPI = "K019"
COAST_CODE = "P002"  # 海岸漂着物処理推進事業, 産業経済局
BAMBOO_PROJECT = "放置竹林対策事業～森林環境譲与税事業～"  # 産業経済局


@pytest.fixture
def demo_password():
    call_command("setup_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


def request_from_url(page) -> ChangeRequest:
    page.wait_for_url(re.compile(r"/admin/plan/changerequest/\d+/change/$"))
    return ChangeRequest.objects.get(pk=int(page.url.rstrip("/").split("/")[-2]))


def edit_summary(page, live_server, project: Project, summary: str, reason: str | None):
    page.goto(f"{live_server.url}/admin/plan/project/{project.pk}/change/")
    page.locator("textarea[name=summary]").fill(summary)
    if reason is not None:
        page.locator("textarea[name=change_reason]").fill(reason)
    page.locator("input[name=_save]").click()
    return request_from_url(page)


def edit_workbook_summary(path, code: str, summary: str) -> None:
    workbook = load_workbook(path)
    sheet = workbook["個別プロジェクト"]
    headers = {cell.value: cell.column for cell in sheet[1]}
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, headers["事業コード"]).value == code:
            sheet.cell(row, headers["概要"]).value = summary
    workbook.save(path)


@pytest.mark.django_db(transaction=True)
def test_a_week_of_a_bureau_and_a_coordinator(
    demo_password, browser, live_server, tmp_path, capsys
):
    screens = Screens("walkthrough")
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport=LAPTOP)
    page = context.new_page()

    def sign_in(username: str):
        context.clear_cookies()
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", demo_password)
        page.click("#login-form [type=submit]")
        page.wait_for_url(f"{live_server.url}/admin/")

    gx = Project.objects.get(name=GX_PROJECT)
    kpi = Kpi.objects.get(code=GX_KPI)

    # 月: 産業経済局 edits a project and then its KPI: one request.
    sign_in("sangyo")
    screens.shot(page, "mon-sangyo-index")
    request = edit_summary(
        page, live_server, gx, "GX に取り組む市内企業の新事業を支援する。", "令和7年度の事業内容"
    )
    page.goto(f"{live_server.url}/admin/kpis/kpi/{kpi.pk}/change/")
    expect(page.locator("#amending-banner")).to_contain_text(f"変更申請 #{request.pk} に加わります")
    screens.shot(page, "mon-kpi-joins-the-request")
    target = page.locator("select[name$='-kind']").evaluate_all(
        "els => els.filter(e => e.value === 'target').map(e => e.name)[0]"
    )[: -len("kind")]
    page.locator(f"[name='{target}text']").fill("30社 (R5～R12年度累計) ※GX関連")
    page.locator("input[name=_save]").click()
    assert request_from_url(page).pk == request.pk
    screens.shot(page, "mon-one-request")

    # 火: the coordinator finds it on the index and returns it with a comment.
    sign_in("coordinator")
    expect(page.locator("#needs-me")).to_contain_text(f"#{request.pk}")
    screens.shot(page, "tue-coordinator-queue")
    page.locator("#needs-me").get_by_role("link", name=f"#{request.pk}").click()
    screens.shot(page, "tue-review")
    page.locator("#id_comment").fill("概要に、支援の対象 (中小企業) を書いてください。")
    page.locator("#decision-form").get_by_role("button", name="差し戻し", exact=True).click()
    expect(page.locator("#change-request-status")).to_have_text("差し戻し")

    # 水: sangyo sees it returned, fixes it from the proposal and resubmits.
    sign_in("sangyo")
    expect(page.locator("#needs-me")).to_contain_text("支援の対象")
    screens.shot(page, "wed-sangyo-returned")
    page.locator("#needs-me").get_by_role("link", name=f"#{request.pk}").click()
    page.locator("#amend-link").click()
    expect(page.locator("textarea[name=summary]")).to_have_value(
        "GX に取り組む市内企業の新事業を支援する。"
    )
    screens.shot(page, "wed-amending")
    page.locator("textarea[name=summary]").fill("GX に取り組む市内の中小企業の新事業を支援する。")
    page.locator("input[name=_save]").click()
    assert request_from_url(page).pk == request.pk
    screens.shot(page, "wed-resubmitted")

    # 水: and imports a workbook with another project's new 概要 (its own request).
    page.goto(f"{live_server.url}/admin/plan/project/export/?bureau=産業経済局")
    with page.expect_download() as download_info:
        page.locator("input[name=download]").click()
    path = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(path)
    edit_workbook_summary(
        path, COAST_CODE, "海岸清掃のボランティア活動を支援し、漂着物を回収する。"
    )
    page.goto(f"{live_server.url}/admin/plan/project/import/")
    page.set_input_files("input[name=workbook]", str(path))
    page.locator("form [type=submit].default").click()
    expect(page.locator(".change-item")).to_have_count(1)
    screens.shot(page, "wed-import-preview")
    page.locator("form[action$='/confirm/'] input.default").click()
    imported = request_from_url(page)
    bamboo = edit_summary(
        page,
        live_server,
        Project.objects.get(name=BAMBOO_PROJECT),
        "放置竹林の伐採と竹材の活用を進める。",
        "事業内容の更新",
    )

    # 木: the coordinator approves the resubmitted request, then several at once.
    sign_in("coordinator")
    page.goto(f"{live_server.url}/admin/plan/changerequest/{request.pk}/change/")
    expect(page.locator("#change-request-thread tbody tr")).to_have_count(4)
    expect(page.locator("#next-request")).to_be_visible()
    screens.shot(page, "thu-thread-and-next")
    page.locator("#decision-form").get_by_role("button", name="承認して反映").click()
    expect(page.locator("#change-request-status")).to_have_text("承認・反映済み")
    page.goto(f"{live_server.url}/admin/plan/changerequest/?status__exact=pending")
    for change_request in (imported, bamboo):
        page.locator(f"input[name=_selected_action][value='{change_request.pk}']").check()
    page.locator("select[name=action]").select_option("approve_selected")
    screens.shot(page, "thu-select-several")
    page.locator(
        "#changelist-form button[type=submit], #changelist-form input[name=index]"
    ).first.click()
    # A confirmation lists them with the revision each is approved at.
    expect(page.locator("#approve-selected tbody tr")).to_have_count(2)
    screens.shot(page, "thu-confirm-several")
    page.locator("#approve-selected-form").get_by_role("button", name="承認して反映 (2 件)").click()
    messages = page.locator("ul.messagelist li.success")
    expect(messages).to_have_count(2)
    screens.shot(page, "thu-approved-several")
    assert set(
        ChangeRequest.objects.filter(pk__in=[request.pk, imported.pk, bamboo.pk]).values_list(
            "status", flat=True
        )
    ) == {"approved"}

    # 金: search, and read as a viewer.
    page.goto(f"{live_server.url}/admin/plan/project/?q=竹林")
    expect(page.locator("#result_list")).to_contain_text("放置竹林対策事業")
    screens.shot(page, "fri-search")
    sign_in("viewer")
    page.goto(f"{live_server.url}/admin/plan/project/{gx.pk}/change/")
    expect(page.locator(".reading-fields .field-summary")).to_contain_text("中小企業")
    screens.shot(page, "fri-viewer-reads")
    page.goto(f"{live_server.url}/admin/plan/project/{gx.pk}/history/")
    screens.shot(page, "fri-history")
    context.close()

    with capsys.disabled():
        print(f"\n一週間のスクリーンショット ({screens.count}枚): {screens.folder}")
