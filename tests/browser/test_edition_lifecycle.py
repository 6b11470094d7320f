"""Publish → next edition → compare, in the browser, as the coordinator of the demo data.

Screenshots go to ``$BROWSER_SCREENSHOTS`` (default: the test's temporary folder)."""

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.management.commands.setup_demo import DEFAULT_DEMO_PASSWORD
from accounts.models import User
from plan.models import Edition
from tests.editions.revision import revise_2025


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("BROWSER_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.django_db(transaction=True)
def test_publish_then_next_edition_then_compare(admin_login, live_server, shots):
    call_command("setup_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
    page = admin_login("coordinator", password)
    edition = Edition.objects.get(fiscal_year=2024)

    page.goto(live_server.url + "/admin/plan/edition/")
    page.get_by_role("link", name="公表前チェック・公表").click()
    expect(page.locator("#left-count")).to_have_text("31")
    expect(page.locator("#publish")).to_be_disabled()
    page.screenshot(path=shots / "1-findings.png", full_page=False)

    page.check("#id_all")
    page.fill("#id_reason", "2024年版は公表資料のとおりに保つ")
    page.get_by_role("button", name="選んだ指摘を確認済みにする").click()
    expect(page.locator(".messagelist")).to_contain_text("31 件の指摘を確認済みにしました。")
    expect(page.locator("#left-count")).to_have_text("0")
    page.click("#publish")
    expect(page.locator(".messagelist")).to_contain_text("令和6年(2024年)版を公表しました。")
    expect(page.locator("#content-main")).to_contain_text(
        "令和6年(2024年)版は公表済のため変更できません。"
    )
    page.screenshot(path=shots / "2-published.png", full_page=False)

    page.click("#create-next")
    expect(page.locator(".messagelist")).to_contain_text(
        "令和6年(2024年)版を写して令和7年(2025年)版 (編集中) を作成しました。"
    )
    new = Edition.objects.get(fiscal_year=2025)
    assert new.status == "editing"

    # The 2024 edition's project opens read only.
    project = edition.projects.get(code="P001")
    page.goto(f"{live_server.url}/admin/plan/project/{project.pk}/change/")
    expect(page.locator('input[name="_save"]')).to_have_count(0)
    page.screenshot(path=shots / "3-frozen-project.png", full_page=False)

    revise_2025(new, User.objects.get(username="coordinator"))
    page.goto(f"{live_server.url}/admin/plan/edition/compare/?new={new.pk}")
    expect(page.locator("#summary")).to_contain_text(
        "追加 1 件、終了 1 件、変更 0 件、掲載の変更 0 件、目標値の改訂 1 件"
    )
    expect(page.locator("#added")).to_contain_text("海洋プラスチック削減推進事業")
    expect(page.locator("#ended")).to_contain_text("海岸漂着物処理推進事業")
    expect(page.locator("#kpis")).to_contain_text("280団体 (R11年度末)")
    page.screenshot(path=shots / "4-compare.png", full_page=True)
    with page.expect_download() as download:
        page.click("#download-xlsx")
    assert download.value.suggested_filename == "版の比較_2024_2025.xlsx"
