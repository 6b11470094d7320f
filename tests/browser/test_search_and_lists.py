"""Finding projects in the list: kana and width do not matter, codes are found."""

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from tests.browser.screens import screens  # noqa: F401 (a fixture)
from tests.factories import UserFactory

PASSWORD = "pass-Word-12345"


def search(page, query: str) -> list[str]:
    page.fill("#searchbar", query)
    page.press("#searchbar", "Enter")
    page.wait_for_load_state()
    return page.locator(
        "#result_list tbody th.field-code, #result_list tbody td.field-code"
    ).all_inner_texts()


@pytest.mark.django_db(transaction=True)
def test_hiragana_finds_katakana_and_codes_are_found(
    edition_2024,
    admin_login,
    live_server,
    screens,  # noqa: F811
):
    UserFactory(username="viewer", role=Role.VIEWER)
    page = admin_login("viewer", PASSWORD)
    page.goto(live_server.url + "/admin/plan/project/")

    hiragana = search(page, "りさいくる")
    expect(page.locator("#result_list")).to_contain_text("リサイクル")
    screens("hiragana")
    assert hiragana == search(page, "リサイクル")
    assert len(hiragana) == 7

    assert search(page, "ゴミ") == search(page, "ごみ")
    assert search(page, "P022") == ["P022"]
    screens("code")


@pytest.mark.django_db(transaction=True)
def test_sorting_by_bureau_and_names_not_cut(
    edition_2024,
    admin_login,
    live_server,
    screens,  # noqa: F811
):
    UserFactory(username="coordinator", role=Role.COORDINATOR)
    page = admin_login("coordinator", PASSWORD)
    page.goto(live_server.url + "/admin/plan/project/")
    page.locator("#result_list thead th.column-bureau_column a").first.click()
    page.wait_for_load_state()
    expect(page.locator("#result_list tbody td.field-bureau_column").first).to_contain_text(
        "環境局"
    )
    # a bureau's name is never broken across lines (「都市戦 / 略局」)
    for name in page.locator("#result_list td.field-bureau_column .unbroken").all()[:40]:
        box = name.bounding_box()
        assert box["height"] < 25, name.inner_text()
    screens("by-bureau")

    page.locator("#result_list thead th.column-goal_column a").first.click()
    page.wait_for_load_state()
    expect(page.locator("#result_list tbody td.field-goal_column").first).to_have_text("下支え")

    page.goto(live_server.url + "/admin/plan/project/?q=P022")
    page.locator("#result_list a", has_text="アジア・グリーン共創ハブ推進事業").click()
    name = page.locator("#id_name")
    assert name.evaluate("input => input.scrollWidth <= input.clientWidth")
    assert page.locator("#listings-group .select2-container").first.bounding_box()["width"] > 400
    screens("project-form")
