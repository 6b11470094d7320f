"""公表前チェック: each check on data that fails it and on data that passes it (tables)."""

from __future__ import annotations

import pytest

from kpis.models import KpiValue
from plan.changes import ProposedChange, change_propose
from plan.editions import checks
from plan.models import ChangeRequest, Listing, ProjectBureau
from tests.editions.small import build_small_edition
from tests.factories import KpiFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("numbers", "problems"),
    [
        ([1, 2, 3], []),
        ([], []),
        ([3, 1, 2], []),
        ([1, 3], ["No 2 が抜けています"]),
        ([2, 5], ["No 1・3・4 が抜けています"]),
        ([1, 2, 2], ["No 2 が重複しています"]),
        ([1, 1, 4], ["No 1 が重複しています", "No 2・3 が抜けています"]),
    ],
)
def test_numbering_problems(numbers, problems):
    assert checks.numbering_problems(numbers) == problems


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        ("太陽光発電の導入", []),
        ("2030年度までに100件", []),
        ("２０３０年度", ["全角数字「２０３０」"]),
        ("脱 炭素の推進", ["語の中の空白「脱 炭」"]),
        ("脱\u3000炭素", ["語の中の空白「脱\u3000炭」"]),
        ("CO2 削減", []),  # a space beside a Latin word is not inside a Japanese word
        ("１件の 事業", ["全角数字「１」", "語の中の空白「の 事」"]),
    ],
)
def test_text_noise(text, problems):
    assert checks.text_noise(text) == problems


def _unlink_bureaus(s):
    ProjectBureau.objects.filter(project=s.other).delete()


def _unlist(s):
    Listing.objects.filter(project=s.other).delete()


def _gap(s):
    Listing.objects.filter(project=s.other).update(number=3)


def _no_target_year(s):
    KpiValue.objects.filter(pk=s.target.pk).update(text="1,000MW", fiscal_year=None, period="")


def _target_after_plan(s):
    KpiValue.objects.filter(pk=s.target.pk).update(fiscal_year=2035)


def _baseline_after_target(s):
    KpiValue.objects.filter(pk=s.baseline.pk).update(fiscal_year=2029)
    KpiValue.objects.filter(pk=s.target.pk).update(fiscal_year=2028)


def _period_past_plan(s):
    KpiValue.objects.filter(pk=s.target.pk).update(
        fiscal_year=2029, fiscal_year_end=2031, period="range"
    )


def _baseline_after_period(s):
    KpiValue.objects.filter(pk=s.baseline.pk).update(fiscal_year=2027)
    KpiValue.objects.filter(pk=s.target.pk).update(
        fiscal_year=2024, fiscal_year_end=2026, period="range"
    )


def _unreadable_baseline(s):
    KpiValue.objects.filter(pk=s.baseline.pk).update(text="調査中", value=None, unit="")


def _unreadable(s):
    KpiValue.objects.filter(pk=s.target.pk).update(text="前年度並み", value=None, unit="")


def _variant(s):
    KpiFactory(edition=s.edition, code="K002", indicator="市内再エネ 導入量")


def _full_width(s):
    type(s.project).objects.filter(pk=s.project.pk).update(summary="２０３０年度までに導入する")


def _open_request(s):
    change_propose(
        acting_user=s.staff,
        edition=s.edition,
        changes=[ProposedChange.update(s.project, {"summary": "新しい概要"})],
        reason="更新",
        title="概要の更新",
    )


CASES = [
    (
        checks.projects_without_bureau,
        _unlink_bureaus,
        ["「省エネ診断」(P002) に所管局がありません。"],
    ),
    (
        checks.projects_without_listing,
        _unlist,
        ["「省エネ診断」(P002) がどの基本施策にも掲載されていません。"],
    ),
    (
        checks.measure_numbering,
        _gap,
        ["基本施策「I-(1) 再生可能エネルギーの導入」の No: No 2 が抜けています。"],
    ),
    (
        checks.kpi_target_years,
        _no_target_year,
        ["KPI「市内再エネ導入量」の目標値「1,000MW」に目標年度がありません。"],
    ),
    (
        checks.kpi_target_years,
        _target_after_plan,
        ["KPI「市内再エネ導入量」の目標年度 2035 が計画期間 (2024〜2030年度) の外です。"],
    ),
    (
        checks.kpi_target_years,
        _baseline_after_target,
        ["KPI「市内再エネ導入量」の基準年度 2029 が目標年度 2028 より後です。"],
    ),
    (
        checks.kpi_target_years,
        _period_past_plan,
        ["KPI「市内再エネ導入量」の目標年度 2031 が計画期間 (2024〜2030年度) の外です。"],
    ),
    (
        checks.kpi_target_years,
        _baseline_after_period,
        ["KPI「市内再エネ導入量」の基準年度 2027 が目標年度 2026 より後です。"],
    ),
    (
        checks.kpi_unreadable_values,
        _unreadable_baseline,
        [
            "KPI「市内再エネ導入量」の基準値「調査中」から数値を読めません"
            " (目標値は「1,000MW (R12年度)」)。"
        ],
    ),
    (
        checks.kpi_unreadable_values,
        _unreadable,
        [
            "KPI「市内再エネ導入量」の目標値「前年度並み」から数値を読めません"
            " (基準値は「436MW (R2年度)」)。"
        ],
    ),
    (
        checks.kpi_notation_variants,
        _variant,
        [
            "KPI「市内再エネ 導入量」(K002) は「市内再エネ導入量」(K001) と 書き方だけが違います (表記ゆれ)。"
        ],
    ),
    (
        checks.edition_text_noise,
        _full_width,
        ["「太陽光発電の導入」の事業名・概要に 全角数字「２０３０」 があります。"],
    ),
    (
        checks.open_change_requests,
        _open_request,
        ["変更申請 #{pk}「概要の更新」が「審査待ち」のままです。"],
    ),
]


@pytest.mark.parametrize(
    ("check", "spoil", "messages"), CASES, ids=lambda c: getattr(c, "__name__", "")
)
def test_each_check_fails_on_spoiled_data_and_passes_on_clean_data(check, spoil, messages):
    small = build_small_edition()
    assert check(small.edition) == []
    spoil(small)
    pk = ChangeRequest.objects.values_list("pk", flat=True).first()
    assert [finding.message for finding in check(small.edition)] == [
        message.format(pk=pk) for message in messages
    ]


def test_every_check_is_run_and_the_clean_small_edition_has_no_findings():
    small = build_small_edition()
    assert [check.code for check in checks.CHECKS] == [
        "no_bureau",
        "no_listing",
        "numbering",
        "target_years",
        "unreadable_value",
        "notation_variant",
        "text_noise",
        "open_change_request",
    ]
    assert checks.edition_findings(small.edition) == []


def test_a_finding_names_its_record():
    small = build_small_edition()
    _unlink_bureaus(small)
    (finding,) = checks.projects_without_bureau(small.edition)
    assert finding.key == ("no_bureau", "plan.project", small.other.pk)
    assert finding.record == "P002 省エネ診断"
    assert finding.title == "所管局がない"


def test_the_2024_editions_findings(edition_2024, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        findings = checks.edition_findings(edition_2024)
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.code] = counts.get(finding.code, 0) + 1
    assert counts == {"target_without_year": 28, "unreadable_value": 2, "text_noise": 1}
