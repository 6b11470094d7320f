"""公表前チェック keeps its findings in the cache with a stamp of the tables the checks read: every
kind of write to those tables is seen at the next view, acknowledgements at once, and a view of
an unchanged database runs no check and shows the same page.

Each write test fails if the stamp does not move (``test_with_a_constant_stamp_a_write_is_not_seen``
shows the page keeping what it found)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kpis.models import Kpi
from plan.changes import (
    ProposedChange,
    change_propose,
    change_request_approve,
    change_request_reject,
    change_request_return,
    change_request_withdraw,
)
from plan.editions import review
from plan.editions.lifecycle import edition_findings_acknowledge
from plan.models import ChangeRequest, Listing, ProjectBureau
from tests.admin_forms import client_as, without_csrf
from tests.editions.small import build_small_edition

pytestmark = pytest.mark.django_db

GAP = ("numbering", "基本施策「I-(1) 再生可能エネルギーの導入」の No: No 2 が抜けています。")
OPEN = ("open_change_request", "変更申請 #{pk}「概要の更新」が「審査待ち」のままです。")


@pytest.fixture
def small():
    """Two findings before any view: P002 listed as No 3 (No 2 missing) and staff's open request
    about P001's summary."""
    s = build_small_edition()
    Listing.objects.filter(project=s.other).update(number=3)
    change_propose(
        acting_user=s.staff,
        edition=s.edition,
        changes=[ProposedChange.update(s.project, {"summary": "新しい概要"})],
        reason="更新",
        title="概要の更新",
    )
    return s


def _request():
    return ChangeRequest.objects.get(title="概要の更新")


def _url(s) -> str:
    return reverse("admin:plan_edition_review", args=[s.edition.pk])


def shown(s) -> list[tuple[str, str]]:
    response = client_as(s.coordinator).get(_url(s))
    return [(finding.code, finding.message) for finding, _ack in response.context["rows"]]


def expected(*findings: tuple[str, str]) -> list[tuple[str, str]]:
    pk = _request().pk
    return [(code, message.format(pk=pk)) for code, message in findings]


def apply(s, *changes: ProposedChange) -> None:
    change_propose(
        acting_user=s.coordinator, edition=s.edition, changes=list(changes), reason="", title="t"
    )


def renamed(s):
    apply(s, ProposedChange.update(s.project, {"name": "太陽光発電の導入２"}))


def unassigned(s):
    link = ProjectBureau.objects.get(project=s.other)
    apply(s, ProposedChange.delete(link))


def unlisted(s):
    apply(s, ProposedChange.delete(Listing.objects.get(project=s.other)))


def renumbered(s):
    apply(s, ProposedChange.update(Listing.objects.get(project=s.other), {"number": 2}))


def measure_retitled(s):
    apply(s, ProposedChange.update(s.measure, {"title": "再エネの導入"}))


def goal_recoded(s):
    apply(s, ProposedChange.update(s.goal, {"code": "II"}))


def kpi_reworded(s):
    apply(s, ProposedChange.update(s.kpi, {"indicator": "市内再エネ導入量１"}))


def target_without_year(s):
    apply(
        s,
        ProposedChange.update(s.target, {"text": "1,000MW", "fiscal_year": None, "period": ""}),
    )


def plan_shortened(s):
    plan = s.edition.plan
    plan.end_fiscal_year = 2029
    plan.save()


def kpi_bulk_inserted(s):
    """Written without history, as ``loaddata`` or a bulk insert would."""
    Kpi.objects.bulk_create([Kpi(edition=s.edition, code="K002", indicator="市内再エネ 導入量")])


def returned(s):
    change_request_return(acting_user=s.coordinator, change_request=_request(), comment="再考を")


def approved(s):
    change_request_approve(acting_user=s.coordinator, change_request=_request())


def rejected(s):
    change_request_reject(acting_user=s.coordinator, change_request=_request(), reason="不要")


def withdrawn(s):
    change_request_withdraw(acting_user=s.staff, change_request=_request())


def submitted(s):
    change_propose(
        acting_user=s.staff,
        edition=s.edition,
        changes=[ProposedChange.update(s.target, {"text": "1,100MW (R12年度)", "value": 1100})],
        reason="上方修正",
        title="目標の上方修正",
    )


@pytest.mark.parametrize(
    ("write", "after"),
    [
        (
            renamed,
            [
                GAP,
                (
                    "text_noise",
                    "「太陽光発電の導入２」の事業名・概要に 全角数字「２」 があります。",
                ),
                OPEN,
            ],
        ),
        (unassigned, [("no_bureau", "「省エネ診断」(P002) に所管局がありません。"), GAP, OPEN]),
        (
            unlisted,
            [("no_listing", "「省エネ診断」(P002) がどの基本施策にも掲載されていません。"), OPEN],
        ),
        (renumbered, [OPEN]),
        (
            measure_retitled,
            [("numbering", "基本施策「I-(1) 再エネの導入」の No: No 2 が抜けています。"), OPEN],
        ),
        (
            goal_recoded,
            [
                (
                    "numbering",
                    "基本施策「II-(1) 再生可能エネルギーの導入」の No: No 2 が抜けています。",
                ),
                OPEN,
            ],
        ),
        (
            kpi_reworded,
            [
                GAP,
                (
                    "text_noise",
                    "KPI「市内再エネ導入量１」の文言・値に 全角数字「１」 があります。",
                ),
                OPEN,
            ],
        ),
        (
            target_without_year,
            [
                GAP,
                (
                    "target_without_year",
                    "KPI「市内再エネ導入量」の目標値「1,000MW」に目標年度がありません。",
                ),
                OPEN,
            ],
        ),
        (
            plan_shortened,
            [
                GAP,
                (
                    "target_year_outside_plan",
                    "KPI「市内再エネ導入量」の目標年度 2030 が計画期間 (2024〜2029年度) の外です。",
                ),
                OPEN,
            ],
        ),
        (
            kpi_bulk_inserted,
            [
                GAP,
                (
                    "notation_variant",
                    "KPI「市内再エネ 導入量」(K002) は「市内再エネ導入量」(K001) と"
                    " 書き方だけが違います (表記ゆれ)。",
                ),
                (
                    "text_noise",
                    "KPI「市内再エネ 導入量」の文言・値に 語の中の空白「ネ 導」 があります。",
                ),
                OPEN,
            ],
        ),
        (
            returned,
            [
                GAP,
                ("open_change_request", "変更申請 #{pk}「概要の更新」が「差し戻し」のままです。"),
            ],
        ),
        (approved, [GAP]),
        (rejected, [GAP]),
        (withdrawn, [GAP]),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_every_kind_of_write_is_seen_at_the_next_view(small, write, after):
    assert shown(small) == expected(GAP, OPEN)
    write(small)
    assert shown(small) == expected(*after)


def test_a_new_request_is_seen_at_the_next_view(small):
    assert shown(small) == expected(GAP, OPEN)
    submitted(small)
    new = ChangeRequest.objects.get(title="目標の上方修正")
    assert shown(small) == [
        *expected(GAP, OPEN),
        ("open_change_request", f"変更申請 #{new.pk}「目標の上方修正」が「審査待ち」のままです。"),
    ]


def test_with_a_constant_stamp_a_write_is_not_seen(small, monkeypatch):
    """What the tests above would see if the stamp did not move: the findings kept before."""
    monkeypatch.setattr(review, "findings_stamp", lambda: "constant")
    assert shown(small) == expected(GAP, OPEN)
    renumbered(small)
    approved(small)
    assert shown(small) == expected(GAP, OPEN)


def test_an_acknowledgement_is_seen_at_once(small):
    client = client_as(small.coordinator)
    page = client.get(_url(small)).content.decode()
    assert '指摘 2 件、うち未確認 <strong id="left-count">2</strong> 件。' in page
    gap = review.left_findings(small.edition)[0]
    edition_findings_acknowledge(
        edition=small.edition, acting_user=small.coordinator, findings=[gap], reason="承知"
    )
    page = client.get(_url(small)).content.decode()
    assert '指摘 2 件、うち未確認 <strong id="left-count">1</strong> 件。' in page
    assert [f.code for f in review.left_findings(small.edition)] == ["open_change_request"]


def test_an_unchanged_database_runs_no_check_and_shows_the_same_page(
    small, django_assert_max_num_queries
):
    client = client_as(small.coordinator)
    first = without_csrf(client.get(_url(small)).text)
    # The session, the user, the edition, the stamp, the acknowledgements' keys, the session's
    # save, the admin's own: no check's query (the checks alone run 14).
    with django_assert_max_num_queries(8):
        again = client.get(_url(small)).text
    assert without_csrf(again) == first


def test_a_stamp_moves_with_a_request_s_decision_and_not_with_a_view(small):
    first = review.findings_stamp()
    shown(small)
    assert review.findings_stamp() == first
    returned(small)
    assert review.findings_stamp() not in (None, first)


def test_kept_findings_are_the_checks_own(small):
    from plan.editions.checks import edition_findings

    kept = review.kept_findings(small.edition)
    assert review.kept_findings(small.edition) == kept
    assert [row[0] for row in kept] == ["numbering", "open_change_request"]
    assert sorted(kept) == sorted(
        (f.code, f.message, f.model_label, f.object_pk, f.record)
        for f in edition_findings(small.edition)
    )


# --- Acknowledging many findings at once ---------------------------------------------------------


def _noisy_projects(count: int) -> list:
    from plan.editions.checks import Finding

    return [
        Finding("text_noise", f"指摘 {n}", "plan.project", 10_000 + n, f"P{n}")
        for n in range(count)
    ]


@pytest.mark.parametrize("count", [3, 40])
def test_acknowledging_costs_a_constant_number_of_queries(
    small, count, django_assert_max_num_queries
):
    from plan.models import FindingAcknowledgement

    findings = _noisy_projects(count)
    edition_findings_acknowledge(
        edition=small.edition,
        acting_user=small.coordinator,
        findings=findings[:1],
        reason="先に一件",
    )
    # The policy's questions, the edition's state, one upsert (savepoints aside).
    with django_assert_max_num_queries(6):
        saved = edition_findings_acknowledge(
            edition=small.edition, acting_user=small.coordinator, findings=findings, reason="一括"
        )
    assert len(saved) == count
    assert all(ack.pk for ack in saved)
    rows = FindingAcknowledgement.objects.filter(edition=small.edition).order_by("object_pk")
    assert [(a.object_pk, a.message, a.reason, a.acknowledged_by_id) for a in rows] == [
        (10_000 + n, f"指摘 {n}", "一括", small.coordinator.pk) for n in range(count)
    ]
    assert {ack.pk for ack in saved} == set(rows.values_list("pk", flat=True))


# --- A change committed between reading the edition and reading the stamp -----------------------


@pytest.mark.parametrize("viewer", ["coordinator", "viewer"])
def test_a_plan_changed_while_the_page_reads_its_stamp_is_seen_at_the_next_view(
    small, monkeypatch, viewer
):
    """The page reads the edition (and its plan) before the stamp; a change to the plan's period
    committed in between (by someone else, in another process) must not be kept under the new
    stamp with the findings of the old period."""
    from plan import db_stamp

    stamp = db_stamp.database_stamp

    def period_shortened_then_stamped(*args):
        monkeypatch.setattr(db_stamp, "database_stamp", stamp)
        plan = small.edition.plan
        plan.end_fiscal_year = 2029
        plan.save()
        return stamp(*args)

    client = client_as(getattr(small, viewer))
    monkeypatch.setattr(db_stamp, "database_stamp", period_shortened_then_stamped)
    assert client.get(_url(small)).status_code == 200
    response = client.get(_url(small))

    assert [(finding.code, finding.message) for finding, _ack in response.context["rows"]] == [
        GAP,
        (
            "target_year_outside_plan",
            "KPI「市内再エネ導入量」の目標年度 2030 が計画期間 (2024〜2029年度) の外です。",
        ),
        (OPEN[0], OPEN[1].format(pk=_request().pk)),
    ]
