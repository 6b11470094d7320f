"""「達成度」 and status, as a table over real KPIs of the 2024 edition (their baselines and targets
read from the committed fixture) with invented actuals. Expected figures are worked out by hand."""

import json
from dataclasses import replace
from decimal import Decimal
from functools import cache

import pytest

from accounts.management.commands.setup_demo import EDITION_FIXTURE
from kpis.achievement import (
    THRESHOLDS,
    Figure,
    KpiFigures,
    Reading,
    Status,
    assess,
    assess_kpis,
    assess_series,
    figures_for_kpis,
)
from kpis.value_text import parse_value_text

A = Status.ACHIEVED
ON = Status.ON_TRACK
SLIGHT = Status.SLIGHTLY_BEHIND
BEHIND = Status.BEHIND
NA = Status.NOT_ASSESSABLE


@cache
def published(code: str) -> KpiFigures:
    """The KPI's baseline and target as published (from fixtures/edition-2024.json), no actuals."""
    records = json.loads(EDITION_FIXTURE.read_text())
    kpi_pk = next(
        r["pk"] for r in records if r["model"] == "kpis.kpi" and r["fields"]["code"] == code
    )
    values = {}
    for record in records:
        fields = record["fields"]
        if record["model"] == "kpis.kpivalue" and fields["kpi"] == kpi_pk:
            values[fields["kind"]] = Figure(
                text=fields["text"],
                value=None if fields["value"] is None else Decimal(fields["value"]),
                unit=fields["unit"],
                qualifier=fields["qualifier"],
                fiscal_year=fields["fiscal_year"],
                fiscal_year_end=fields["fiscal_year_end"],
                period=fields["period"],
            )
    return KpiFigures(baseline=values.get("baseline"), target=values.get("target"))


def actual(year: int, text: str) -> Reading:
    parsed = parse_value_text(text)
    return Reading(
        year,
        Figure(
            text=text,
            value=parsed.value,
            unit=parsed.unit,
            qualifier=parsed.qualifier,
            fiscal_year=parsed.fiscal_year,
            fiscal_year_end=parsed.fiscal_year_end,
            period=parsed.period,
        ),
    )


def judged(code: str, year: int, *readings: Reading):
    return assess(replace(published(code), readings=readings), year)


R = Decimal

# (code, year, actuals, rate, expected value, expected rate, status)
TABLE = [
    # 市内再エネ導入量 436MW (R2年度) → 最大1400MW (R12年度): FY2024 is 4/10 of the way.
    ("K007", 2024, [actual(2024, "512MW")], R("0.0788"), R("821.60"), R("0.4000"), BEHIND),
    ("K007", 2024, [actual(2024, "700MW")], R("0.2739"), R("821.60"), R("0.4000"), SLIGHT),
    ("K007", 2024, [actual(2024, "820MW")], R("0.3983"), R("821.60"), R("0.4000"), ON),
    ("K007", 2024, [actual(2024, "1,400MW")], R("1.0000"), R("821.60"), R("0.4000"), A),
    ("K007", 2024, [], None, None, None, NA),
    # 「市民1人1日あたりの家庭ごみ量」 「452g (R4年度)」 → 「420g以下 (R12年度)」: lower is better, 2/8.
    ("K027", 2024, [actual(2024, "440g")], R("0.3750"), R("444.00"), R("0.2500"), ON),
    ("K027", 2024, [actual(2024, "448g")], R("0.1250"), R("444.00"), R("0.2500"), SLIGHT),
    ("K027", 2024, [actual(2024, "460g")], R("-0.2500"), R("444.00"), R("0.2500"), BEHIND),
    ("K027", 2024, [actual(2024, "418g")], R("1.0625"), R("444.00"), R("0.2500"), A),
    # 「産業部門のCO₂排出量」 「1,267万t (H25年度)」 → 「H25年度比▲47% (R12年)」: 671.51万t, 11/17.
    ("K017", 2024, [actual(2024, "1,000万t")], R("0.4484"), R("881.68"), R("0.6471"), SLIGHT),
    # 「海外技術者育成に係る研修員受入れ」 「700人 (R6-R12年度累計)」: the running sum, 1/7 then 2/7.
    ("K049", 2024, [actual(2024, "90人")], R("0.1286"), R("100.00"), R("0.1429"), ON),
    (
        "K049",
        2025,
        [actual(2024, "90人"), actual(2025, "60人")],
        R("0.2143"),
        R("200.00"),
        R("0.2857"),
        ON,
    ),
    (
        "K049",
        2025,
        [actual(2024, "40人"), actual(2025, "40人")],
        R("0.1143"),
        R("200.00"),
        R("0.2857"),
        SLIGHT,
    ),
    ("K049", 2025, [actual(2025, "60人")], None, None, None, NA),  # FY2024 is missing
    (
        "K049",
        2025,
        [actual(2025, "150人 (R6-R7年度累計)")],
        R("0.2143"),
        R("200.00"),
        R("0.2857"),
        ON,
    ),
    # 「公共交通利用者数の維持」: 「約3.4万人/日」 → 「約3.4万人/日 (R8年度)」, kept against the baseline.
    ("K025", 2024, [actual(2024, "約3.5万人/日")], R("1.0294"), R("3.40"), R("1"), A),
    ("K025", 2024, [actual(2024, "約3.3万人/日")], R("0.9706"), R("3.40"), R("1"), ON),
    ("K025", 2024, [actual(2024, "約3.1万人/日")], R("0.9118"), R("3.40"), R("1"), SLIGHT),
    ("K025", 2024, [actual(2024, "約3.0万人/日")], R("0.8824"), R("3.40"), R("1"), BEHIND),
    # 「漂着ごみが原因の事故防止」: 「事故0件の維持」, a zero to keep.
    ("K002", 2024, [actual(2024, "0件")], R("1.0000"), R("0.00"), R("1"), A),
    ("K002", 2024, [actual(2024, "1件")], None, R("0.00"), R("1"), BEHIND),
    # 市HPアクセス数: 「前年度並み (18,000件)」 against the previous year, else the baseline.
    (
        "K012",
        2024,
        [actual(2023, "18,500件"), actual(2024, "18,200件")],
        R("0.9838"),
        R("18500.00"),
        R("1"),
        ON,
    ),
    ("K012", 2024, [actual(2024, "18,200件")], R("1.0111"), R("18000.00"), R("1"), A),
    # 放置竹林整備面積: 「年間20ha」 every year.
    ("K035", 2024, [actual(2024, "18ha")], R("0.9000"), R("20.00"), R("1"), SLIGHT),
    # 「公害に関する苦情・要望件数」: 「300件以下」, no baseline.
    ("K046", 2024, [actual(2024, "320件")], R("0.9375"), R("300.00"), R("1"), SLIGHT),
    # ビオトープ来園者: 18,044人 (R5年度) → 18,000人以上 (R6年度): the baseline already meets it.
    ("K034", 2024, [actual(2024, "17,500人")], R("0.9722"), R("18000.00"), R("1"), ON),
    # Text only: 「清潔で美しいまちづくり」 has no rate, a person judges it.
    ("K005", 2024, [actual(2024, "100件")], None, None, None, NA),
    # An actual given as text, or in another unit.
    ("K007", 2024, [actual(2024, "前年度並み")], None, None, None, NA),
    ("K007", 2024, [actual(2024, "512件")], None, None, None, NA),
]


@pytest.mark.parametrize(
    ("code", "year", "readings", "rate", "expected", "expected_rate", "status"), TABLE
)
def test_achievement_of_real_kpis(code, year, readings, rate, expected, expected_rate, status):
    result = judged(code, year, *readings)
    assert (result.rate, result.expected, result.expected_rate, result.status) == (
        rate,
        expected,
        expected_rate,
        status,
    ), result.reason


@pytest.mark.parametrize(
    ("code", "year", "readings", "reason"),
    [
        ("K005", 2024, [], "目標値が文章のため、担当者の判断が必要です。"),
        ("K007", 2024, [], "令和6年度の実績値がありません。"),
        ("K049", 2025, [actual(2025, "60人")], "累計に必要な令和6年度の実績値がありません。"),
        ("K049", 2023, [], "累計の期間 (令和6年度〜令和12年度) の前の年度です。"),
        (
            "K007",
            2024,
            [actual(2024, "前年度並み")],
            "実績値が文章 (「前年度並み」) のため、担当者の判断が必要です。",
        ),
        (
            "K007",
            2024,
            [actual(2024, "512件")],
            "実績値の単位 (件) が目標の単位 (MW) と異なります。",
        ),
        (
            "K014",
            2024,
            [actual(2024, "100万t")],
            "基準値がないため、目標年度 (令和12年度) までの進み具合は判断できません。",
        ),
        (
            "K007",
            2024,
            [actual(2024, "512MW")],
            "達成度 7.9%、令和12年度の目標への直線の見込みは 40.0%。",
        ),
    ],
)
def test_the_reason_is_said(code, year, readings, reason):
    assert judged(code, year, *readings).reason == reason


def test_a_zero_cumulative_target_is_a_level_to_keep():
    target = Figure(
        text="0件 (R6-R12年度累計)",
        value=R("0"),
        unit="件",
        fiscal_year=2024,
        fiscal_year_end=2030,
        period="cumulative",
    )
    figures = KpiFigures(baseline=None, target=target, readings=(actual(2024, "1件"),))
    assert (assess(figures, 2024).status, assess(figures, 2024).rate) == (BEHIND, None)


def test_the_line_runs_from_the_baseline_to_the_target():
    line = judged("K007", 2024).line
    assert (line.start_year, line.start_value, line.end_year, line.end_value) == (
        2020,
        R("436"),
        2030,
        R("1400"),
    )
    assert [line.at(year) for year in (2019, 2025, 2031)] == [R("436"), R("918.0"), R("1400")]


def test_the_thresholds_are_explained_in_japanese():
    assert THRESHOLDS.explained()[1] == (
        "順調: 基準値から目標年度への直線の見込みとの差が 10ポイント 以内"
        " (維持・毎年の水準の目標は水準の 95.0% 以上)。"
    )


def test_a_series_is_judged_year_by_year():
    figures = replace(published("K027"), readings=(actual(2023, "450g"), actual(2024, "446g")))
    assert [(a.year, a.rate, a.status) for a in assess_series(figures)] == [
        (2023, R("0.0625"), ON),
        (2024, R("0.1875"), ON),
    ]


@pytest.mark.django_db
def test_over_the_database_the_series_follows_the_code_across_editions(edition_2024):
    from kpis.models import Kpi, KpiActual
    from plan.models import Edition

    k007 = Kpi.objects.get(code="K007")
    next_edition = Edition.objects.create(plan=edition_2024.plan, fiscal_year=2025)
    carried = Kpi.objects.create(edition=next_edition, code="K007", indicator=k007.indicator)
    KpiActual.objects.create(kpi=k007, year=2023, text="700MW", value=R("700"), unit="MW")
    KpiActual.objects.create(kpi=carried, year=2024, text="820MW", value=R("820"), unit="MW")

    figures = figures_for_kpis(Kpi.objects.filter(pk=k007.pk))[k007.pk]
    assert [(r.year, r.figure.value) for r in figures.readings] == [
        (2023, R("700")),
        (2024, R("820")),
    ]
    assert (figures.plan_start_year, figures.plan_end_year) == (2024, 2030)
    assert assess_kpis(Kpi.objects.filter(pk=k007.pk), 2024)[k007.pk].status == ON


@pytest.mark.django_db
@pytest.mark.parametrize("with_actuals", [0, 40])
def test_many_kpis_are_assessed_in_two_queries(
    edition_2024, with_actuals, django_assert_num_queries
):
    from kpis.models import Kpi, KpiActual

    for kpi in Kpi.objects.order_by("code")[:with_actuals]:
        KpiActual.objects.create(kpi=kpi, year=2024, text="1件", value=R("1"), unit="件")
    with django_assert_num_queries(2):
        statuses = assess_kpis(Kpi.objects.all(), 2024)
    assert len(statuses) == 51
