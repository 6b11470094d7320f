"""The edition admin: 公表前チェック page, acknowledging, publishing, 「次の版を作成」."""

from __future__ import annotations

import pytest
from django.urls import reverse

from plan.models import Edition, FindingAcknowledgement, ProjectBureau
from tests.admin_forms import client_as
from tests.editions.small import build_small_edition, mark_published

pytestmark = pytest.mark.django_db


@pytest.fixture
def small():
    return build_small_edition()


def test_the_review_page_lists_findings_and_publishing_waits_for_them(small):
    ProjectBureau.objects.filter(project=small.other).delete()
    client = client_as(small.coordinator)
    url = reverse("admin:plan_edition_review", args=[small.edition.pk])
    html = client.get(url).content.decode()
    assert "「省エネ診断」(P002) に所管局がありません。" in html
    assert 'id="publish" disabled' in html

    response = client.post(url, {"publish": "1"}, follow=True)
    assert "公表前チェックの指摘が 1 件残っています。" in response.content.decode()
    assert Edition.objects.get(pk=small.edition.pk).status == "editing"

    token = f"no_bureau:plan.project:{small.other.pk}"
    response = client.post(url, {"finding": token, "reason": ""}, follow=True)
    assert "確認済みにする理由を入力してください。" in response.content.decode()
    client.post(url, {"finding": token, "reason": "所管局は調整中"})
    assert FindingAcknowledgement.objects.get().reason == "所管局は調整中"

    response = client.post(url, {"publish": "1"}, follow=True)
    assert "令和6年(2024年)版を公表しました。" in response.content.decode()
    assert Edition.objects.get(pk=small.edition.pk).status == "published"


def test_acknowledging_every_finding_at_once(small):
    ProjectBureau.objects.filter(project=small.other).delete()
    ProjectBureau.objects.filter(project=small.project).delete()
    url = reverse("admin:plan_edition_review", args=[small.edition.pk])
    client_as(small.coordinator).post(url, {"all": "on", "reason": "来年度に整理"})
    assert FindingAcknowledgement.objects.count() == 2


@pytest.mark.parametrize("who", ["staff", "viewer"])
def test_others_see_the_review_but_cannot_publish_or_acknowledge(small, who):
    client = client_as(getattr(small, who))
    url = reverse("admin:plan_edition_review", args=[small.edition.pk])
    html = client.get(url).content.decode()
    assert 'id="publish"' not in html
    assert client.post(url, {"publish": "1"}).status_code == 403
    assert Edition.objects.get(pk=small.edition.pk).status == "editing"


def test_create_next_from_the_review_page_and_the_action(small):
    mark_published(small.edition)
    client = client_as(small.coordinator)
    html = client.get(
        reverse("admin:plan_edition_review", args=[small.edition.pk])
    ).content.decode()
    assert "令和6年(2024年)版は公表済のため変更できません。" in html
    response = client.post(reverse("admin:plan_edition_next", args=[small.edition.pk]), follow=True)
    assert (
        "令和6年(2024年)版を写して令和7年(2025年)版 (編集中) を作成しました。"
        in response.content.decode()
    )
    assert Edition.objects.get(fiscal_year=2025).status == "editing"
    # The action says why it cannot make it twice.
    response = client.post(
        reverse("admin:plan_edition_changelist"),
        {"action": "create_next_edition", "_selected_action": [small.edition.pk]},
        follow=True,
    )
    assert "令和7年(2025年)版はすでにあります。" in response.content.decode()


def test_staff_cannot_create_the_next_edition(small):
    mark_published(small.edition)
    response = client_as(small.staff).post(
        reverse("admin:plan_edition_next", args=[small.edition.pk]), follow=True
    )
    assert "次の版を作成できるのは取りまとめ担当だけです。" in response.content.decode()
    assert not Edition.objects.filter(fiscal_year=2025).exists()


def test_a_published_editions_admin_form_is_read_only(small):
    mark_published(small.edition)
    html = (
        client_as(small.coordinator)
        .get(reverse("admin:plan_edition_change", args=[small.edition.pk]))
        .content.decode()
    )
    assert 'name="_save"' not in html
    assert "公表済" in html


def test_the_comparison_page_and_its_workbook(small):
    from plan.changes import ProposedChange, change_propose
    from plan.editions.lifecycle import edition_create_next
    from plan.models import Project

    mark_published(small.edition)
    new = edition_create_next(edition=small.edition, acting_user=small.coordinator)
    change_propose(
        acting_user=small.coordinator,
        edition=new,
        changes=[ProposedChange.delete(Project.objects.get(edition=new, code="P002"))],
        reason="終了",
        title="終了",
    )
    client = client_as(small.viewer)
    url = reverse("admin:plan_edition_compare")
    html = client.get(url, {"new": new.pk}).content.decode()
    assert "令和6年(2024年)版 → 令和7年(2025年)版" in html
    assert "追加 <strong>0</strong> 件、終了 <strong>1</strong> 件" in html
    assert "省エネ診断" in html
    response = client.get(url, {"old": small.edition.pk, "new": new.pk, "format": "xlsx"})
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert response.content[:2] == b"PK"
    # Nonsense parameters fall back to the latest edition and its previous one.
    assert client.get(url, {"new": "x" * 50, "old": "-1"}).status_code == 200
