"""Publishing (only coordinators, only when every finding is fixed or acknowledged) and creating the
next edition from a published one (counts, identity links, order, 「<新>」)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kpis.models import Kpi, KpiValue, ProjectKpi
from plan.changes import ProposedChange, change_propose
from plan.editions.lifecycle import (
    PublishingBlocked,
    edition_create_next,
    edition_findings_acknowledge,
    edition_publish,
)
from plan.models import (
    Edition,
    FindingAcknowledgement,
    Listing,
    Measure,
    PolicyGoal,
    Project,
    ProjectBureau,
)
from tests.editions.small import build_small_edition, mark_published

pytestmark = pytest.mark.django_db


@pytest.fixture
def small():
    return build_small_edition()


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("staff", "版を公表できるのは取りまとめ担当だけです。"),
        ("viewer", "版を公表できるのは取りまとめ担当だけです。"),
    ],
)
def test_only_coordinators_publish(small, who, message):
    with pytest.raises(PermissionDenied, match=message):
        edition_publish(edition=small.edition, acting_user=getattr(small, who))
    assert Edition.objects.get(pk=small.edition.pk).status == "editing"


def test_a_coordinator_publishes_a_clean_edition(small):
    edition = edition_publish(edition=small.edition, acting_user=small.coordinator)
    stored = Edition.objects.get(pk=small.edition.pk)
    assert (stored.status, stored.get_status_display()) == ("published", "公表済")
    assert stored.published_by == small.coordinator
    assert stored.published_at is not None
    assert edition.history.first().history_user == small.coordinator


def test_publishing_twice_is_refused(small):
    edition_publish(edition=small.edition, acting_user=small.coordinator)
    with pytest.raises(ValidationError, match="令和6年\\(2024年\\)版はすでに公表済です。"):
        edition_publish(edition=small.edition, acting_user=small.coordinator)


def test_findings_block_publishing_until_acknowledged_with_a_reason(small):
    ProjectBureau.objects.filter(project=small.other).delete()
    with pytest.raises(PublishingBlocked) as blocked:
        edition_publish(edition=small.edition, acting_user=small.coordinator)
    assert blocked.value.messages == [
        "公表前チェックの指摘が 1 件残っています。修正するか、理由を添えて確認済みにしてから公表してください。"
    ]
    assert [f.key for f in blocked.value.findings] == [
        ("no_bureau", "plan.project", small.other.pk)
    ]
    assert Edition.objects.get(pk=small.edition.pk).status == "editing"

    with pytest.raises(ValidationError, match="確認済みにする理由を入力してください。"):
        edition_findings_acknowledge(
            edition=small.edition,
            acting_user=small.coordinator,
            findings=blocked.value.findings,
            reason="  ",
        )
    with pytest.raises(PermissionDenied, match="取りまとめ担当だけ"):
        edition_findings_acknowledge(
            edition=small.edition,
            acting_user=small.staff,
            findings=blocked.value.findings,
            reason="所管局は来年度に決まる",
        )
    edition_publish(
        edition=small.edition,
        acting_user=small.coordinator,
        acknowledgements={("no_bureau", "plan.project", small.other.pk): "所管局は来年度に決まる"},
    )
    assert Edition.objects.get(pk=small.edition.pk).status == "published"
    (acknowledgement,) = FindingAcknowledgement.objects.all()
    assert (acknowledgement.reason, acknowledgement.acknowledged_by) == (
        "所管局は来年度に決まる",
        small.coordinator,
    )
    assert acknowledgement.message == "「省エネ診断」(P002) に所管局がありません。"


def test_a_fixed_finding_no_longer_blocks(small):
    ProjectBureau.objects.filter(project=small.other).delete()
    with pytest.raises(PublishingBlocked):
        edition_publish(edition=small.edition, acting_user=small.coordinator)
    ProjectBureau.objects.create(project=small.other, bureau=small.kankyo, position=1)
    edition_publish(edition=small.edition, acting_user=small.coordinator)


# --- The next edition -----------------------------------------------------------------------


def test_the_next_edition_needs_a_published_one_and_a_coordinator(small):
    with pytest.raises(ValidationError, match="次の版は公表済の版から作成します。"):
        edition_create_next(edition=small.edition, acting_user=small.coordinator)
    mark_published(small.edition)
    with pytest.raises(PermissionDenied, match="次の版を作成できるのは取りまとめ担当だけです。"):
        edition_create_next(edition=small.edition, acting_user=small.staff)
    edition_create_next(edition=small.edition, acting_user=small.coordinator)
    with pytest.raises(ValidationError, match="令和7年\\(2025年\\)版はすでにあります。"):
        edition_create_next(edition=small.edition, acting_user=small.coordinator)


def _counts(edition) -> dict[str, int]:
    return {
        "goals": PolicyGoal.objects.filter(edition=edition).count(),
        "measures": Measure.objects.filter(goal__edition=edition).count(),
        "projects": Project.objects.filter(edition=edition).count(),
        "bureaus": ProjectBureau.objects.filter(project__edition=edition).count(),
        "listings": Listing.objects.filter(project__edition=edition).count(),
        "kpis": Kpi.objects.filter(edition=edition).count(),
        "values": KpiValue.objects.filter(kpi__edition=edition).count(),
        "links": ProjectKpi.objects.filter(project__edition=edition).count(),
    }


def _layout(edition) -> list[tuple]:
    """Everything the copy must keep, without the primary keys."""
    projects = Project.objects.filter(edition=edition).prefetch_related(
        "bureau_links__bureau", "listings__measure__goal", "kpi_links__kpi__values"
    )
    return [
        (
            p.code,
            p.name,
            p.summary,
            [link.bureau.name for link in p.bureau_links.all()],
            sorted(
                (lst.measure.goal.code, lst.measure.number, lst.number) for lst in p.listings.all()
            ),
            [
                (
                    link.position,
                    link.kpi.code,
                    link.kpi.indicator,
                    sorted(
                        (v.kind, v.text, v.value, v.unit, v.fiscal_year, v.period)
                        for v in link.kpi.values.all()
                    ),
                )
                for link in p.kpi_links.all()
            ],
        )
        for p in projects.order_by("code")
    ]


def test_the_2024_edition_copied_into_2025(edition_2024, world, django_assert_max_num_queries):
    mark_published(edition_2024)
    with django_assert_max_num_queries(40):
        new = edition_create_next(edition=edition_2024, acting_user=world.coordinator)
    assert (new.title, new.status) == ("令和7年(2025年)版", "editing")
    assert (
        _counts(new)
        == _counts(edition_2024)
        == {
            "goals": 5,
            "measures": 22,
            "projects": 90,
            "bureaus": 93,
            "listings": 97,
            "kpis": 51,
            "values": 83,
            "links": 78,
        }
    )
    assert _layout(new) == _layout(edition_2024)
    # Identity: every project and KPI links to the one it was copied from, with the same code.
    pairs = Project.objects.filter(edition=new).values_list(
        "code", "predecessor__code", "predecessor__edition"
    )
    assert all(code == before and ed == edition_2024.pk for code, before, ed in pairs)
    pairs = Kpi.objects.filter(edition=new).values_list("code", "predecessor__code")
    assert all(code == before for code, before in pairs)
    # 「<新>」: none of the copies is new; the 2024 edition keeps its marks as published.
    assert not Project.objects.filter(edition=new, is_new=True).exists()
    assert list(
        Project.objects.filter(edition=edition_2024, is_new=True).values_list("name", flat=True)
    ) == ["BIM活用推進事業"]
    # The copies have their history (restore and the 履歴 page need a first version).
    assert (
        Project.history.filter(id__in=Project.objects.filter(edition=new).values("pk")).count()
        == 90
    )


def test_a_project_added_to_the_next_edition_is_new_and_a_copied_one_is_not(small):
    mark_published(small.edition)
    new = edition_create_next(edition=small.edition, acting_user=small.coordinator)
    proposal = change_propose(
        acting_user=small.coordinator,
        edition=new,
        changes=[
            ProposedChange.create(
                Project, {"edition_id": new.pk, "code": "P003", "name": "水素の利活用"}, key="new"
            )
        ],
        reason="新規事業",
        title="水素の利活用",
    )
    added = Project.objects.get(pk=proposal.created["new"])
    copied = Project.objects.get(edition=new, code="P001")
    assert (added.is_new, str(added)) == (True, "<新>水素の利活用")
    assert (copied.is_new, copied.predecessor_id) == (False, small.project.pk)
    # ... and a new project of the plan's first edition keeps the mark it is given.
    assert new.previous() is not None
    assert small.edition.derives_new_marks is False
