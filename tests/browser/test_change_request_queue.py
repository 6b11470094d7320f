"""The change-request list fits 1366 px: titles are not broken into lines of a few characters,
the state is a badge, and 経過日数 and 決定者 are on screen."""

import pytest
from playwright.sync_api import expect

from accounts.models import Bureau, Role
from plan import changes
from plan.changes import ProposedChange
from plan.models import Project
from tests.browser.screens import screens  # noqa: F401 (a fixture)
from tests.factories import UserFactory

PASSWORD = "pass-Word-12345"


@pytest.mark.django_db(transaction=True)
def test_the_queue_fits_1366_pixels(edition_2024, admin_login, live_server, screens):  # noqa: F811
    sangyo = Bureau.objects.get(name="産業経済局")
    staff = UserFactory(
        username="sangyo",
        role=Role.BUREAU_STAFF,
        bureaus=[sangyo],
        last_name="産業経済局",
        first_name="担当者",
    )
    UserFactory(
        username="coordinator",
        role=Role.COORDINATOR,
        last_name="環境局",
        first_name="取りまとめ担当",
    )
    for project in Project.objects.filter(bureaus=sangyo).order_by("code")[:4]:
        changes.change_request_submit(
            acting_user=staff,
            edition=project.edition,
            changes=[ProposedChange.update(project, {"summary": project.summary + "(改)"})],
            reason="内容の更新",
            title=project.name,
            project=project,
        )
    page = admin_login("coordinator", PASSWORD)
    page.goto(live_server.url + "/admin/plan/changerequest/")

    for header in ("経過日数", "決定者"):
        box = page.locator("#result_list thead th", has_text=header).bounding_box()
        assert box is not None and box["x"] + box["width"] <= 1366, header
    table = page.locator("#result_list").bounding_box()
    results = page.locator("#changelist .results").bounding_box()
    assert table["width"] <= results["width"] + 1  # no horizontal scrolling
    for title in page.locator("#result_list td.field-title").all():
        box = title.bounding_box()
        assert box["width"] >= 120, title.inner_text()  # about ten characters a line
    expect(page.locator("#result_list .badge-pending").first).to_have_text("審査待ち")
    screens("queue")
