"""Browsing the 2024 edition in the admin, with the data and demo users that ``make run`` loads.

``transaction=True`` (the live server runs in another thread) flushes the database after each test,
so each test loads the edition again through ``setup_demo``.
"""

import os
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.management.commands.setup_demo import DEFAULT_DEMO_PASSWORD

AGH = "アジア・グリーン共創ハブ推進事業"


@pytest.fixture
def demo_password():
    """The 2024 edition and the demo users, as ``make run`` prepares them."""
    call_command("setup_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


@pytest.mark.django_db(transaction=True)
def test_coordinator_browses_the_projects_in_japanese(demo_password, admin_login, live_server):
    page = admin_login("coordinator", demo_password)

    expect(page.locator("#site-name")).to_have_text("北九州市環境基本計画 個別プロジェクト集")
    app_list = page.locator("#content-main")
    for model_name in ("個別プロジェクト", "基本施策", "政策目標", "KPI", "所管局"):
        expect(app_list.get_by_role("link", name=model_name, exact=True)).to_be_visible()

    page.goto(live_server.url + "/admin/plan/project/")
    headers = page.locator("#result_list thead th")
    for header in ("政策目標", "基本施策", "No", "事業/取組名", "所管局", "KPI 数"):
        expect(headers.filter(has_text=re.compile(rf"^\s*{re.escape(header)}\s*$"))).to_have_count(
            1
        )
    expect(page.locator("#result_list tbody tr")).to_have_count(90)
    expect(page.locator("p.paginator")).to_contain_text("90")

    page.fill("#searchbar", "アジア・グリーン共創ハブ")
    page.press("#searchbar", "Enter")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    page.locator("#result_list").get_by_role("link", name=AGH, exact=True).click()

    expect(page.locator("#id_name")).to_have_value(AGH)
    listings = page.locator("#listings-group tr.form-row.has_original")
    expect(listings).to_have_count(6)
    for row in range(6):
        expect(listings.nth(row).locator("td.field-number input")).to_have_value("1")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("username", ["coordinator", "kankyo", "sangyo", "viewer", "admin"])
def test_each_demo_user_reaches_the_admin_index(username, demo_password, admin_login):
    page = admin_login(username, demo_password)

    expect(page.locator("#content h1")).to_have_text("個別プロジェクト集の管理")
    expect(page.locator("body")).not_to_contain_text("権限がありません")
    expect(page.locator("#content-main .module caption")).not_to_have_count(0)
