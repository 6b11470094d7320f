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
