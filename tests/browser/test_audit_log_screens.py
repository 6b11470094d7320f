"""The audit log as a coordinator sees it: filters, times in Asia/Tokyo, and 「この時点に戻す」
asking before it does anything."""

import pytest
from playwright.sync_api import expect

from accounts.models import Bureau, Role
from plan import changes
from plan.changes import ProposedChange
from plan.models import ChangeRequest, Project
from tests.browser.screens import screens  # noqa: F401 (a fixture)
from tests.factories import UserFactory

PASSWORD = "pass-Word-12345"


@pytest.mark.django_db(transaction=True)
def test_filter_the_audit_log_and_restore_with_confirmation(
    edition_2024,
    admin_login,
    live_server,
    screens,  # noqa: F811
):
    staff = UserFactory(
        username="sangyo", role=Role.BUREAU_STAFF, bureaus=[Bureau.objects.get(name="産業経済局")]
    )
    coordinator = UserFactory(username="coordinator", role=Role.COORDINATOR)
    project = Project.objects.get(code="P002")
    request = changes.change_request_submit(
        acting_user=staff,
        edition=project.edition,
        changes=[ProposedChange.update(project, {"summary": "海岸清掃とリサイクルを支援する。"})],
        reason="年度の更新",
        title=project.name,
        project=project,
    )
    changes.change_request_approve(acting_user=coordinator, change_request=request)

    page = admin_login("coordinator", PASSWORD)
    page.goto(live_server.url + "/admin/plan/changerequest/audit/")
    page.select_option("#id_person", label="sangyo")
    page.fill("#id_q", "リサイクル")
    page.get_by_role("button", name="絞り込む").click()
    page.wait_for_load_state()
    expect(page.locator("#change-history tbody tr")).to_have_count(1)
    expect(page.locator("#change-history")).to_contain_text("海岸漂着物処理推進事業")
    screens("filtered")

    page.goto(live_server.url + f"/admin/plan/project/{project.pk}/history/")
    restore = page.locator("#change-history input[value='この時点に戻す']").last
    messages = []
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.dismiss()))
    restore.click()
    page.wait_for_timeout(300)
    assert "の状態に戻します (変更申請として記録されます)。よろしいですか?" in messages[0]
    assert ChangeRequest.objects.count() == 1  # dismissed: nothing done
    page.once("dialog", lambda dialog: dialog.accept())
    restore.click()
    page.wait_for_url("**/admin/plan/changerequest/*/change/")
    assert ChangeRequest.objects.count() == 2
    screens("restored")
