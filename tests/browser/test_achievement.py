"""Actuals and achievement in a real browser, with the demo data and its sample actuals: the
coordinator opens the 「達成状況」 dashboard and drills down; a KPI page draws its chart as SVG; an
actual proposed by bureau staff appears on the chart after the coordinator approves it. The strict
Content-Security-Policy reports no violation. Screenshots go to ``SCREENSHOT_DIR`` (default: the
test's temporary folder)."""

import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.management.commands.setup_demo import DEFAULT_DEMO_PASSWORD
from kpis.models import Kpi

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_password():
    """The 2024 edition, the demo users and the sample actuals (``make run SAMPLE_ACTUALS=1``)."""
    call_command("setup_demo", "--with-sample-actuals", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def csp_violations(page) -> list[str]:
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return found


def test_the_coordinator_opens_the_dashboard_and_a_kpi_chart(
    demo_password, admin_login, live_server, shots, csp_violations
):
    page = admin_login("coordinator", demo_password)
    page.get_by_role("link", name=re.compile("達成状況")).click()
    expect(page.locator("#content h1")).to_have_text("達成状況 令和6年度 (2024)")
    totals = page.locator(".dashboard-table").first
    for label in ("達成", "順調", "やや遅れ", "遅れ", "評価不可"):
        expect(totals.locator("th", has_text=label).first).to_be_visible()
    expect(page.locator("svg.status-bar").first).to_be_visible()
    assert page.locator("svg.status-bar rect").count() >= 5
    page.screenshot(path=shots / "dashboard.png", full_page=True)

    # Drill down: the KPIs 「遅れ」 of the whole edition.
    page.locator(".dashboard-table").first.locator("tbody td.count a").nth(3).click()
    drill = page.locator("#drill-down")
    expect(drill.locator("h2")).to_have_text("KPI: 遅れ (3 件)")
    expect(drill).to_contain_text("運輸部門のCO₂排出量の削減")

    # 市内再エネ導入量 (K007): its sample actual, the line to the target and the target, in SVG.
    page.goto(f"{live_server.url}/admin/kpis/kpi/{Kpi.objects.get(code='K007').pk}/change/")
    chart = page.locator("svg.kpi-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("circle.actual")).to_have_count(1)
    expect(chart.locator("line.plan-line")).to_have_count(1)
    expect(chart.locator("path.target")).to_have_count(1)
    expect(chart.locator("circle.actual title")).to_have_text("R6年度 実績 820MW (順調)")
    expect(chart).to_contain_text("目標 1,400MW (R12年度)")
    expect(page.locator(".achievement-series")).to_contain_text("39.8%")
    chart.scroll_into_view_if_needed()
    chart.screenshot(path=shots / "kpi-chart.png")
    assert csp_violations == []


def test_staff_propose_an_actual_and_after_approval_the_chart_shows_it(
    demo_password, admin_login, live_server, shots, csp_violations
):
    kpi = Kpi.objects.get(code="K035")  # 放置竹林整備面積, 産業経済局; sample FY2024: 21ha
    page = admin_login("sangyo", demo_password)
    page.goto(f"{live_server.url}/admin/kpis/kpiactual/add/")
    page.locator("select[name=kpi]").select_option(str(kpi.pk))
    page.locator("input[name=year]").fill("2025")
    page.locator("[name=text]").fill("18ha")
    page.locator("textarea[name=change_reason]").fill("令和7年度の実績")
    page.locator("input[name=_save]").click()
    page.wait_for_url(re.compile(r"/admin/plan/changerequest/\d+/change/$"))
    request_url = page.url
    page.locator("#user-tools").get_by_role("button", name="ログアウト").click()

    page = admin_login("coordinator", demo_password)
    page.goto(request_url)
    page.locator("#decision-form").get_by_role("button", name="承認して反映").click()
    expect(page.locator("#change-request-status")).to_have_text("承認・反映済み")

    page.goto(f"{live_server.url}/admin/kpis/kpi/{kpi.pk}/change/")
    chart = page.locator("svg.kpi-chart")
    expect(chart.locator("circle.actual")).to_have_count(2)
    expect(chart.locator("circle.actual title").nth(1)).to_have_text("R7年度 実績 18ha (やや遅れ)")
    chart.scroll_into_view_if_needed()
    chart.screenshot(path=shots / "kpi-chart-after-approval.png")
    assert csp_violations == []
