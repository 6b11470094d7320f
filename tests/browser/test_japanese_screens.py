"""Japanese throughout, as a person sees it: no upper-casing of 「No」 or 「Excel」, the list's
title, the header's greeting and the apps in the order people use them."""

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from tests.browser.screens import screens  # noqa: F401 (a fixture)
from tests.factories import UserFactory

PASSWORD = "pass-Word-12345"


@pytest.mark.django_db(transaction=True)
def test_the_project_list_and_export_as_a_coordinator_read_in_japanese(
    edition_2024,
    admin_login,
    live_server,
    screens,  # noqa: F811
):
    UserFactory(
        username="coordinator",
        role=Role.COORDINATOR,
        first_name="取りまとめ担当",
        last_name="環境局",
    )
    page = admin_login("coordinator", PASSWORD)
    expect(page.locator("#user-tools")).to_contain_text("ログイン中")
    expect(page.locator("#user-tools")).not_to_contain_text("ようこそ")
    captions = page.locator("#content-main caption").all_inner_texts()
    assert captions == ["環境基本計画", "KPI (事業目標)", "進捗評価", "利用者と所管局"]
    screens("index")

    page.goto(live_server.url + "/admin/plan/project/")
    expect(page.locator("#content h1")).to_have_text("個別プロジェクトの一覧")
    number = page.locator("#result_list thead th.column-number_column")
    expect(number).to_have_text("No")
    assert number.evaluate("th => getComputedStyle(th).textTransform") == "none"
    assert "NO" not in page.locator("#result_list thead").inner_text()
    screens("project-list")

    page.goto(live_server.url + "/admin/plan/project/export/")
    button = page.get_by_role("button", name="Excel 出力", exact=True)
    expect(button).to_be_visible()
    assert button.evaluate("b => getComputedStyle(b).textTransform") == "none"
    screens("export")
