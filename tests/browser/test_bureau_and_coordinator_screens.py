"""The screens a bureau and a coordinator use every week, in a real browser at 1366×900, with the
2024 edition and the demo users: amending a returned KPI request, 公表表記 and 数値 that must agree,
one request per task, status where people work, what needs me on the index, and accounts the
system administrator creates. Screenshots go to ``tests/browser/screens.py``'s folder."""

import os
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.management.commands.setup_demo import DEFAULT_DEMO_PASSWORD
from accounts.models import Role, User
from kpis.models import Kpi, KpiValue
from plan.models import ChangeRequest, Project
from tests.browser.screens import LAPTOP, Screens

GX_KPI = "K019"  # 「GX関連の新ビジネス創出」 目標値 「30社 (R5～R12年度累計)」, 産業経済局
GX_PROJECT = "カーボンニュートラルを成長の機会と捉えたGX推進事業"


@pytest.fixture
def demo_password():
    call_command("setup_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


@pytest.fixture
def laptop(page):
    page.set_viewport_size(LAPTOP)
    return page


def sign_out(page):
    page.context.clear_cookies()


def target_prefix(page) -> str:
    """The inline prefix (「values-1-」) of the KPI's 目標値 row."""
    name = page.locator("select[name$='-kind']").evaluate_all(
        "els => els.filter(e => e.value === 'target').map(e => e.name)[0]"
    )
    return name[: -len("kind")]


def save_kpi(page, reason: str | None = None):
    if reason is not None:
        page.locator("textarea[name=change_reason]").fill(reason)
    page.locator("input[name=_save]").click()


def request_from_url(page) -> ChangeRequest:
    page.wait_for_url(re.compile(r"/admin/plan/changerequest/\d+/change/$"))
    return ChangeRequest.objects.get(pk=int(page.url.rstrip("/").split("/")[-2]))


@pytest.mark.django_db(transaction=True)
def test_a_returned_kpi_request_is_amended_from_its_proposal_and_keeps_every_change(
    demo_password, admin_login, live_server, laptop
):
    screens = Screens("kpi-request-amended")
    kpi = Kpi.objects.get(code=GX_KPI)
    url = f"{live_server.url}/admin/kpis/kpi/{kpi.pk}/change/"

    page = admin_login("sangyo", demo_password)
    page.goto(url)
    prefix = target_prefix(page)
    # Every part of a value is on the screen at 1366 px: 修飾語, 年度 and 削除 too.
    for selector in (f"{prefix}qualifier", f"{prefix}fiscal_year_end", f"{prefix}DELETE"):
        box = page.locator(f"[name='{selector}']").bounding_box()
        assert box is not None and box["x"] + box["width"] <= LAPTOP["width"], selector
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
    screens.shot(page, "kpi-form-1366")

    # 公表表記 and 数値 must agree: 「40社」 with 数値 30 is refused, naming both.
    page.locator(f"[name='{prefix}text']").fill("40社 (R6～R12年度累計)")
    save_kpi(page, "目標の上方修正")
    expect(page.locator(".errorlist").first).to_contain_text(
        "公表表記「40社 (R6～R12年度累計)」と数値「30」(表記では 40)が一致しません。"
    )
    screens.shot(page, "text-and-number-disagree")
    assert not ChangeRequest.objects.exists()
    page.locator(f"[name='{prefix}value']").fill("40")
    save_kpi(page)
    change_request = request_from_url(page)
    sign_out(page)

    page = admin_login("coordinator", demo_password)
    page.goto(f"{live_server.url}/admin/plan/changerequest/{change_request.pk}/change/")
    diff = page.locator("table.diff")
    expect(diff.locator("tr", has_text="公表表記")).to_contain_text("40社 (R6～R12年度累計)")
    expect(diff.locator("tr", has_text="数値")).to_contain_text("40")
    page.locator("#id_comment").fill("開始年度 (年度) も R6 (2024) にしてください。")
    page.locator("#decision-form").get_by_role("button", name="差し戻し", exact=True).click()
    expect(page.locator("#change-request-status")).to_have_text("差し戻し")
    sign_out(page)

    page = admin_login("sangyo", demo_password)
    page.goto(url)
    banner = page.locator("#amending-banner")
    expect(banner).to_contain_text(f"あなたの変更申請 #{change_request.pk} を修正しています")
    expect(banner).to_contain_text(
        "差し戻しのコメント: 開始年度 (年度) も R6 (2024) にしてください。"
    )
    expect(page.locator(f"[name='{prefix}text']")).to_have_value("40社 (R6～R12年度累計)")
    screens.shot(page, "returned-kpi-starts-from-its-proposal")
    page.locator(f"[name='{prefix}fiscal_year']").fill("2024")
    save_kpi(page)
    assert request_from_url(page).pk == change_request.pk

    change_request.refresh_from_db()
    assert change_request.status == "pending"
    assert [item.proposed for item in change_request.items.all()] == [
        {"text": "40社 (R6～R12年度累計)", "value": "40", "fiscal_year": 2024}
    ]
    assert KpiValue.objects.get(kpi=kpi, kind="target").text == "30社 (R5～R12年度累計)"
    screens.shot(page, "one-request-both-changes")


@pytest.mark.django_db(transaction=True)
def test_a_project_and_its_kpi_make_one_request_and_the_lists_show_its_status(
    demo_password, admin_login, live_server, laptop
):
    screens = Screens("one-task-one-request")
    project = Project.objects.get(name=GX_PROJECT)
    kpi = Kpi.objects.get(code=GX_KPI)

    page = admin_login("sangyo", demo_password)
    page.goto(f"{live_server.url}/admin/plan/project/{project.pk}/change/")
    page.locator("textarea[name=summary]").fill("GX に取り組む市内企業の新事業を支援する。")
    page.locator("textarea[name=change_reason]").fill("事業内容の更新")
    page.locator("input[name=_save]").click()
    change_request = request_from_url(page)

    page.goto(f"{live_server.url}/admin/kpis/kpi/{kpi.pk}/change/")
    banner = page.locator("#amending-banner")
    expect(banner).to_contain_text(
        f"保存すると、あなたの変更申請 #{change_request.pk} に加わります"
    )
    screens.shot(page, "kpi-form-says-it-joins-the-request")
    prefix = target_prefix(page)
    page.locator(f"[name='{prefix}text']").fill("30社 (R5～R12年度累計) ※GX関連")
    save_kpi(page)
    assert request_from_url(page).pk == change_request.pk
    assert ChangeRequest.objects.count() == 1
    assert [item.model_label for item in change_request.items.all()] == [
        "plan.project",
        "kpis.kpivalue",
    ]

    # Status where people work: the lists show 「審査待ち」 and filter by it.
    page.goto(f"{live_server.url}/admin/plan/project/?request=pending")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td.field-request_status")).to_have_text("審査待ち")
    screens.shot(page, "project-list-pending")
    page.goto(f"{live_server.url}/admin/kpis/kpi/?request=pending&own=all")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list")).to_contain_text("GX関連の新ビジネス創出")
    sign_out(page)

    # The coordinator's index lists the queue; the review page shows the thread.
    page = admin_login("coordinator", demo_password)
    queue = page.locator("#needs-me")
    expect(queue).to_contain_text(f"#{change_request.pk}")
    screens.shot(page, "coordinator-index-queue")
    queue.get_by_role("link", name=f"#{change_request.pk}").click()
    thread = page.locator("#change-request-thread")
    expect(thread.locator("tbody tr")).to_have_count(2)  # submitted, then amended
    expect(thread).to_contain_text("修正して再申請")
    page.locator("#id_comment").fill("概要に KPI との関係を書いてください。")
    page.locator("#decision-form").get_by_role("button", name="差し戻し", exact=True).click()
    expect(page.locator("#change-request-status")).to_have_text("差し戻し")
    sign_out(page)

    # Staff: the index lists the returned request; the project page says so, with 「修正する」.
    page = admin_login("sangyo", demo_password)
    expect(page.locator("#needs-me")).to_contain_text("概要に KPI との関係を書いてください。")
    screens.shot(page, "staff-index-returned")
    page.goto(f"{live_server.url}/admin/plan/project/?request=returned")
    expect(page.locator("#result_list td.field-request_status")).to_have_text("差し戻し")
    page.goto(f"{live_server.url}/admin/plan/changerequest/{change_request.pk}/change/")
    page.locator("#amend-link").click()
    page.wait_for_url(re.compile(rf"/admin/plan/project/{project.pk}/change/$"))
    expect(page.locator("#amending-banner")).to_contain_text("差し戻しのコメント")
    expect(page.locator("textarea[name=summary]")).to_have_value(
        "GX に取り組む市内企業の新事業を支援する。"
    )
    screens.shot(page, "project-page-returned")


@pytest.mark.django_db(transaction=True)
def test_an_account_the_system_administrator_creates_signs_in(admin_login, live_server, laptop):
    screens = Screens("new-account-signs-in")
    User.objects.create_user("itkanri", password="Sysadmin-Pass-2024", role=Role.SYSTEM_ADMIN)
    page = admin_login("itkanri", "Sysadmin-Pass-2024")
    page.goto(f"{live_server.url}/admin/accounts/user/add/")
    page.fill("#id_username", "kankyo2")
    page.fill("#id_password1", "Hibikinada-Wind-77")
    page.fill("#id_password2", "Hibikinada-Wind-77")
    page.select_option("#id_role", "bureau_staff")
    screens.shot(page, "add-user")
    page.locator("input[name=_save]").click()
    page.wait_for_url(re.compile(r"/admin/accounts/user/\d+/change/$"))
    expect(page.locator("input[name=is_staff]")).to_have_count(0)
    screens.shot(page, "user-created")
    sign_out(page)

    page = admin_login("kankyo2", "Hibikinada-Wind-77")
    expect(page.locator("#user-tools")).to_contain_text("kankyo2")
    screens.shot(page, "new-account-index")

    user = User.objects.get(username="kankyo2")
    user.is_active = False
    user.save()
    sign_out(page)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "kankyo2")
    page.fill("#id_password", "Hibikinada-Wind-77")
    page.click("#login-form [type=submit]")
    expect(page.locator(".errornote")).to_contain_text("このアカウントは無効になっています")
    expect(page.locator(".errornote")).not_to_contain_text("パスワード")
    screens.shot(page, "inactive-account")
