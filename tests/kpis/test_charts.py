"""The charts' geometry: round ticks, the bars' segments, and what a KPI's chart says."""

from dataclasses import replace

import pytest

from kpis.achievement import assess_series
from kpis.charts import kpi_chart, nice_ticks, status_bar
from tests.kpis.test_achievement import actual, published


@pytest.mark.parametrize(
    ("low", "high", "ticks"),
    [
        (436, 1400, [400, 600, 800, 1000, 1200, 1400]),
        (418, 452, [410, 420, 430, 440, 450, 460]),
        (0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (3, 3, [3, 3.2, 3.4, 3.6, 3.8, 4.0]),
    ],
)
def test_ticks_are_round(low, high, ticks):
    assert nice_ticks(low, high) == ticks


def test_a_bar_has_a_segment_per_status_present_best_first():
    segments = status_bar({"behind": 1, "achieved": 2, "not_assessable": 1})
    assert [(s.x, s.width, s.title) for s in segments] == [
        (0.0, 180.0, "達成 2件"),
        (180.0, 90.0, "遅れ 1件"),
        (270.0, 90.0, "評価不可 1件"),
    ]
    assert status_bar({}) == []


def chart_of(code, *readings):
    figures = replace(published(code), readings=readings)
    return kpi_chart(figures, assess_series(figures), code)


def test_the_chart_of_a_line_target():
    chart = chart_of("K007", actual(2024, "820MW"))
    assert chart.plan_line == (78.0, 244.5, 616.0, 44.0)
    assert [(p.x, p.y, p.title) for p in chart.actuals] == [
        (293.2, 164.6, "R6年度 実績 820MW (順調)")
    ]
    assert chart.target.title == "目標 1,400MW (R12年度)"
    assert chart.baseline.title == "R2年度 基準 436MW"
    assert [label.label for label in chart.x_labels][:3] == ["R2", "R3", "R4"]


def test_the_chart_of_a_cumulative_target_draws_the_running_sum():
    chart = chart_of("K049", actual(2024, "90人"), actual(2025, "60人"))
    assert [p.title for p in chart.actuals] == [
        "R6年度 実績 90人 (順調)",
        "R7年度 実績 150人 (順調)",
    ]
    assert chart.baseline.title == "累計の起点 (R5年度末) 0人"
    assert chart.plan_label == "計画線 (累計の目標への直線)"


def test_the_chart_of_a_level_and_of_a_text_target():
    chart = chart_of("K035", actual(2024, "21ha"))
    assert (chart.plan_label, chart.target.title) == ("水準 (維持・毎年の目標)", "目標の水準 20ha")
    assert chart_of("K005", actual(2024, "清掃を実施")) is None


def test_the_chart_of_a_level_of_zero():
    """「事故0件の維持」 (K002, baseline 0件): the level is 0, not missing; the chart drew nothing of
    it and failed (the project pages showing K002 answered 500)."""
    chart = chart_of("K002", actual(2024, "0件"))
    assert (chart.plan_label, chart.target.title) == ("水準 (維持・毎年の目標)", "目標の水準 0件")
    assert chart.plan_line == (78.0, 252.0, 616.0, 252.0)  # on the x axis
    assert [p.title for p in chart.actuals] == ["R6年度 実績 0件 (達成)"]
