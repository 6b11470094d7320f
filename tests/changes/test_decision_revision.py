"""A coordinator decides the revision of a request the review page showed, not a later amendment."""

import pytest
from django.urls import reverse

from plan import changes
from plan.changes import ProposedChange
from plan.models import ChangeRequest
from tests.admin_forms import client_as, read_form
from tests.world import PlanWorld, build_plan_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PlanWorld:
    return build_plan_world()


def propose_summary(world: PlanWorld, summary: str) -> ChangeRequest:
    client = client_as(world.staff)
    url = reverse("admin:plan_project_change", args=[world.project.pk])
    data = read_form(client.get(url).content.decode(), "project_form")
    data.update({"summary": summary, "change_reason": "内容の更新"})
    assert client.post(url, data).status_code == 302
    return ChangeRequest.objects.get(submitted_by=world.staff)


def test_every_submission_and_amendment_is_a_new_revision(world):
    first = propose_summary(world, "捕獲を行う。")
    assert first.revision == 1
    amended = propose_summary(world, "捕獲と防護柵の設置を行う。")
    assert (amended.pk, amended.revision) == (first.pk, 2)


def test_approving_an_amended_request_is_refused_and_shows_the_new_content(world):
    change_request = propose_summary(world, "捕獲を行う。")
    coordinator = client_as(world.coordinator)
    review_url = reverse("admin:plan_changerequest_change", args=[change_request.pk])
    decision = read_form(coordinator.get(review_url).content.decode(), "decision-form")
    assert decision["revision"] == "1"

    propose_summary(world, "捕獲と防護柵の設置を行う。")  # the submitter amends meanwhile

    decision["approve"] = "承認して反映"
    response = coordinator.post(
        reverse("admin:plan_changerequest_decide", args=[change_request.pk]), decision, follow=True
    )

    html = response.content.decode()
    assert (
        "この申請は表示の後に修正されました (表示した版 1 → 現在の版 2)。"
        "何も決定していません。新しい内容を確かめてから、もう一度決定してください。" in html
    )
    assert '<td class="after">捕獲と防護柵の設置を行う。</td>' in html
    change_request.refresh_from_db()
    world.project.refresh_from_db()
    assert (change_request.status, change_request.revision) == ("pending", 2)
    assert world.project.summary == "有害鳥獣から市民を守る。"

    # Approving what is now shown applies it.
    decision = read_form(html, "decision-form")
    decision["approve"] = "承認して反映"
    coordinator.post(reverse("admin:plan_changerequest_decide", args=[change_request.pk]), decision)
    world.project.refresh_from_db()
    assert world.project.summary == "捕獲と防護柵の設置を行う。"


def test_the_engine_refuses_a_decision_on_another_revision(world):
    project = world.project
    arguments = {
        "acting_user": world.staff,
        "edition": project.edition,
        "reason": "内容の更新",
        "title": project.name,
        "project": project,
    }
    change_request = changes.change_request_submit(
        changes=[ProposedChange.update(project, {"summary": "一回目"})], **arguments
    )
    changes.change_request_submit(
        changes=[ProposedChange.update(project, {"summary": "二回目"})], **arguments
    )
    with pytest.raises(changes.RequestRevised):
        changes.change_request_reject(
            acting_user=world.coordinator,
            change_request=change_request,
            reason="不要",
            revision=1,
        )
    approved = changes.change_request_approve(
        acting_user=world.coordinator, change_request=change_request, revision=2
    )
    project.refresh_from_db()
    assert (approved.status, project.summary) == ("approved", "二回目")
