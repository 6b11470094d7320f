"""A viewer reads the plan: goal → its measures and projects → a measure's projects in No order →
a project; no form, no disabled inputs, no editor hints."""

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from tests.browser.screens import screens  # noqa: F401 (a fixture)
from tests.factories import UserFactory

PASSWORD = "pass-Word-12345"


@pytest.mark.django_db(transaction=True)
def test_a_viewer_reads_goal_measure_and_project(
    edition_2024,
    admin_login,
    live_server,
    screens,  # noqa: F811
):
    UserFactory(username="viewer", role=Role.VIEWER)
    page = admin_login("viewer", PASSWORD)
    page.goto(live_server.url + "/admin/plan/policygoal/")
    page.get_by_role(
        "link", name="政策目標II 循環経済(サーキュラーエコノミー)システムの構築"
    ).click()
    expect(page.locator("#content-main h2").first).to_have_text(
        "II-(1) 家庭ごみの減量リサイクルの推進"
    )
    assert (
        page.locator("#content-main input, #content-main select, #content-main textarea").count()
        == 0
    )
    screens("goal")

    page.get_by_role("link", name="II-(1) 家庭ごみの減量リサイクルの推進").click()
    numbers = page.locator("#content-main td.number").all_inner_texts()
    assert numbers == sorted(numbers, key=int) and numbers[0] == "1"
    screens("measure")

    page.locator("#content-main td a").first.click()
    expect(page.locator("#content-main")).to_contain_text("掲載")
    assert (
        page.locator("#content-main input, #content-main select, #content-main textarea").count()
        == 0
    )
    expect(page.locator("#content")).not_to_contain_text("閉じる")
    screens("project")
