"""公表前チェック a page at a time: the counts are the whole edition's, the findings are paged
(here 2 a page) and filtered by kind and state, and neither acknowledging nor publishing is fooled
by the findings on other pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kpis.models import KpiValue
from plan.models import Edition, FindingAcknowledgement, Project, ProjectBureau
from tests.admin_forms import client_as
from tests.editions.small import build_small_edition

pytestmark = pytest.mark.django_db


@pytest.fixture
def small(monkeypatch):
    """Four findings: P001 and P002 without a bureau, the target without a number, P001's summary
    with full-width digits."""
    monkeypatch.setattr("plan.editions.review.PER_PAGE", 2)
    s = build_small_edition()
    ProjectBureau.objects.filter(project__edition=s.edition).delete()
    KpiValue.objects.filter(pk=s.target.pk).update(text="前年度並み", value=None, unit="")
    Project.objects.filter(pk=s.project.pk).update(summary="２０３０年度までに導入する")
    return s


def _url(small, query: str = "") -> str:
    return reverse("admin:plan_edition_review", args=[small.edition.pk]) + query


def _tokens(html: str) -> list[str]:
    return [part.split('"', 1)[0] for part in html.split('name="finding" value="')[1:]]


def test_the_counts_are_the_whole_editions_and_the_findings_come_a_page_at_a_time(small):
    client = client_as(small.coordinator)
    first = client.get(_url(small)).content.decode()
    assert '指摘 4 件、うち未確認 <strong id="left-count">4</strong> 件。' in first
    for title, total, left in [
        ("所管局がない", 2, 2),
        ("数値を読めない値", 1, 1),
        ("全角数字・語の中の空白", 1, 1),
    ]:
        assert (
            f'>{title}</a></td><td class="number">{total}</td><td class="number">{left}</td>'
            in first
        )
    assert '4 件中 1〜2 件目: <span class="this-page">1</span> <a href="?p=2">2</a></p>' in first
    assert _tokens(first) == [
        f"no_bureau:plan.project:{small.project.pk}",
        f"no_bureau:plan.project:{small.other.pk}",
    ]
    assert "未確認の指摘をすべて選ぶ (4 件、ほかのページのものも):" in first
    assert 'id="publish" disabled' in first

    second = client.get(_url(small, "?p=2")).content.decode()
    assert "4 件中 3〜4 件目" in second
    assert _tokens(second) == [
        f"unreadable_value:kpis.kpivalue:{small.target.pk}",
        f"text_noise:plan.project:{small.project.pk}",
    ]
    # A page beyond the last shows the last; nonsense shows the first.
    assert "4 件中 3〜4 件目" in client.get(_url(small, "?p=9")).content.decode()
    assert "4 件中 1〜2 件目" in client.get(_url(small, "?p=x&kind=nonsense")).content.decode()


def test_a_kind_filter(small):
    html = client_as(small.coordinator).get(_url(small, "?kind=text_noise")).content.decode()
    assert "1 件中 1〜1 件目" in html
    assert _tokens(html) == [f"text_noise:plan.project:{small.project.pk}"]
    assert "<strong>全角数字・語の中の空白</strong>" in html
    assert "未確認の「全角数字・語の中の空白」をすべて選ぶ (1 件、ほかのページのものも):" in html
    # The counts at the top are still the whole edition's.
    assert '指摘 4 件、うち未確認 <strong id="left-count">4</strong> 件。' in html


def test_acknowledging_a_page_leaves_the_others_blocking_publishing(small):
    client = client_as(small.coordinator)
    page_one = _tokens(client.get(_url(small)).content.decode())
    response = client.post(_url(small), {"finding": page_one, "reason": "所管局は調整中"})
    assert response["Location"] == _url(small)
    html = client.get(_url(small)).content.decode()
    assert '指摘 4 件、うち未確認 <strong id="left-count">2</strong> 件。' in html
    assert _tokens(html) == []  # page one: both acknowledged
    assert html.count("確認済み (") == 2
    assert 'id="publish" disabled' in html

    response = client.post(_url(small), {"publish": "1"}, follow=True)
    assert "公表前チェックの指摘が 2 件残っています。" in response.content.decode()
    assert Edition.objects.get(pk=small.edition.pk).status == "editing"

    left = client.get(_url(small, "?state=left")).content.decode()
    assert "2 件中 1〜2 件目" in left
    assert _tokens(left) == [
        f"unreadable_value:kpis.kpivalue:{small.target.pk}",
        f"text_noise:plan.project:{small.project.pk}",
    ]
    done = client.get(_url(small, "?state=done")).content.decode()
    assert "2 件中 1〜2 件目" in done


def test_choosing_all_of_a_kind_acknowledges_that_kind_on_every_page(small):
    client = client_as(small.coordinator)
    url = _url(small, "?kind=no_bureau&p=2")
    response = client.post(url, {"all": "on", "kind": "no_bureau", "reason": "調整中"})
    assert response["Location"] == url
    assert sorted(FindingAcknowledgement.objects.values_list("code", flat=True)) == [
        "no_bureau",
        "no_bureau",
    ]
    html = client.get(_url(small)).content.decode()
    assert '指摘 4 件、うち未確認 <strong id="left-count">2</strong> 件。' in html

    client.post(_url(small), {"all": "on", "kind": "", "reason": "来年度に整理"})
    assert FindingAcknowledgement.objects.count() == 4
    response = client.post(_url(small), {"publish": "1"}, follow=True)
    assert "令和6年(2024年)版を公表しました。" in response.content.decode()
