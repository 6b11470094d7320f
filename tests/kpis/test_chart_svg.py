"""A KPI's chart written in Python (kpis/chart_svg.py) is what the template it replaced,
``admin/kpis/chart.html`` (kept here as it was), wrote: for every KPI of the 2024 edition without
actuals, with one and with two, and for charts with text to escape, without a unit and without a
line, a baseline, a target or actuals."""

import json
from dataclasses import replace
from decimal import Decimal

import pytest
from django.template import Context, Engine

from accounts.management.commands.setup_demo import EDITION_FIXTURE
from kpis.achievement import assess_series
from kpis.chart_svg import chart_svg
from kpis.charts import KpiChart, Point, Text, kpi_chart
from tests.kpis.test_achievement import actual, published

#: admin/kpis/chart.html before it was written in Python.
CHART_TEMPLATE = (
    "{% comment %}A KPI's chart (kpis.charts.KpiChart): presentation attributes only, no style, no script.{% endcomment %}\n"
    '<svg class="kpi-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {{ chart.width }} {{ chart.height }}" width="{{ chart.width }}" height="{{ chart.height }}" role="img" aria-labelledby="chart-{{ code }}-title" font-family="\'Noto Sans CJK JP\', \'Hiragino Sans\', \'Yu Gothic\', sans-serif" font-size="12">\n'
    '  <title id="chart-{{ code }}-title">{{ chart.title }}: 実績値、計画線、目標値{% if chart.unit %} (単位: {{ chart.unit }}){% endif %}</title>\n'
    '  <rect x="0" y="0" width="{{ chart.width }}" height="{{ chart.height }}" fill="#ffffff"/>\n'
    "  {% for x1, x2, y, label in chart.y_grid %}\n"
    '  <line x1="{{ x1 }}" x2="{{ x2 }}" y1="{{ y }}" y2="{{ y }}" stroke="#dddddd" stroke-width="1"/>\n'
    '  <text x="{{ label.x }}" y="{{ label.y }}" text-anchor="{{ label.anchor }}" fill="#333333">{{ label.label }}</text>\n'
    "  {% endfor %}\n"
    '  <line x1="{{ chart.x_axis.0 }}" x2="{{ chart.x_axis.1 }}" y1="{{ chart.x_axis.2 }}" y2="{{ chart.x_axis.2 }}" stroke="#333333" stroke-width="1"/>\n'
    "  {% for label in chart.x_labels %}\n"
    '  <text x="{{ label.x }}" y="{{ label.y }}" text-anchor="middle" fill="#333333">{{ label.label }}</text>\n'
    "  {% endfor %}\n"
    '  <text x="{{ chart.x_axis.1 }}" y="{{ chart.height|add:\'-6\' }}" text-anchor="end" fill="#333333">年度</text>\n'
    '  {% if chart.unit %}<text x="8" y="36" fill="#333333">({{ chart.unit }})</text>{% endif %}\n'
    "  {% if chart.plan_line %}\n"
    '  <line class="plan-line" x1="{{ chart.plan_line.0 }}" y1="{{ chart.plan_line.1 }}" x2="{{ chart.plan_line.2 }}" y2="{{ chart.plan_line.3 }}" stroke="#666666" stroke-width="2" stroke-dasharray="6 4"/>\n'
    "  {% endif %}\n"
    "  {% if chart.baseline %}\n"
    '  <circle cx="{{ chart.baseline.x }}" cy="{{ chart.baseline.y }}" r="5" fill="#ffffff" stroke="#555555" stroke-width="2"><title>{{ chart.baseline.title }}</title></circle>\n'
    "  {% endif %}\n"
    "  {% if chart.target %}\n"
    '  <path class="target" d="{{ chart.target_shape }}" fill="#b35900"><title>{{ chart.target.title }}</title></path>\n'
    "  {% endif %}\n"
    "  {% if chart.actual_path %}\n"
    '  <polyline class="actual-line" points="{{ chart.actual_path }}" fill="none" stroke="#1f5f99" stroke-width="2.5"/>\n'
    "  {% endif %}\n"
    "  {% for point in chart.actuals %}\n"
    '  <circle class="actual" cx="{{ point.x }}" cy="{{ point.y }}" r="5" fill="{{ point.colour }}" stroke="#1f5f99" stroke-width="1.5"><title>{{ point.title }}</title></circle>\n'
    "  {% endfor %}\n"
    '  <g class="legend">\n'
    '    <line x1="80" x2="{{ 108 }}" y1="16" y2="16" stroke="#1f5f99" stroke-width="2.5"/>\n'
    '    <circle cx="94" cy="16" r="4" fill="#1f5f99"/>\n'
    '    <text x="114" y="20" fill="#333333">実績値</text>\n'
    '    <line x1="170" x2="198" y1="16" y2="16" stroke="#666666" stroke-width="2" stroke-dasharray="6 4"/>\n'
    '    <text x="204" y="20" fill="#333333">{{ chart.plan_label }}</text>\n'
    '    <path d="M445,9 L451,15 L445,21 L439,15 Z" fill="#b35900"/>\n'
    '    {% if chart.target_label %}<text x="{{ chart.target_label.x }}" y="{{ chart.target_label.y }}" text-anchor="{{ chart.target_label.anchor }}" fill="#b35900" font-weight="bold">{{ chart.target_label.label }}</text>{% endif %}\n'
    "  </g>\n"
    "</svg>\n"
)


def _template(chart, code) -> str:
    template = Engine.get_default().from_string(CHART_TEMPLATE)
    return template.render(Context({"chart": chart, "code": code}))


def _codes() -> list[str]:
    records = json.loads(EDITION_FIXTURE.read_text())
    return [r["fields"]["code"] for r in records if r["model"] == "kpis.kpi"]


def _readings(code: str):
    figures = published(code)
    numeric = [
        (f.value, f.unit) for f in (figures.target, figures.baseline) if f and f.value is not None
    ]
    value, unit = numeric[0] if numeric else (Decimal(12), "")
    half, more = value / 2, value * Decimal("1.25") + 1
    return [
        (),
        (actual(2024, f"{half:f}{unit}"),),
        (actual(2024, f"{half:f}{unit}"), actual(2025, f"{more:f}{unit}")),
        (actual(2024, "実施"),),
    ]


def _charts(code: str) -> list[KpiChart]:
    charts = []
    for readings in _readings(code):
        figures = replace(published(code), readings=readings)
        chart = kpi_chart(figures, assess_series(figures), "指標<&>\"'")
        if chart is not None:
            charts.append(chart)
    return charts


@pytest.mark.parametrize("code", _codes())
def test_every_kpis_chart_is_the_templates(code):
    for chart in _charts(code):
        assert chart_svg(chart, code) == _template(chart, code)


def test_the_kpis_charts_are_of_every_kind():
    charts = [chart for code in _codes() for chart in _charts(code)]
    assert len(charts) == 99
    assert all(chart.unit for chart in charts)  # a chart without one: the test below
    assert any(chart.baseline for chart in charts) and any(not chart.baseline for chart in charts)
    assert any(len(chart.actuals) == 2 for chart in charts)
    assert any(not chart.actuals for chart in charts)
    assert {chart.plan_label for chart in charts} == {
        "計画線 (基準値から目標値への直線)",
        "計画線 (累計の目標への直線)",
        "水準 (維持・毎年の目標)",
    }


def test_charts_with_little_and_with_text_to_escape_are_the_templates():
    empty = KpiChart(title="t", unit="")
    full = KpiChart(
        title="<b>&'\"",
        unit="m<2>",
        x_axis=(78, 616.5, 252),
        y_grid=[(78, 616, 44.0, Text(72, 48.0, "1,400", "end"))],
        x_labels=[Text(78.0, 270, "R2"), Text(120.25, 270, "R3")],
        plan_line=(78.0, 244.5, 616.0, 44.0),
        plan_label="計画線 <直線>",
        target=Point(616.0, 44.0, "目標 & <1>"),
        target_shape="M616.0,37.0 L623.0,44.0",
        target_label=Text(456, 20, "目標 & <1>", "start"),
        baseline=Point(78.0, 244.5, "基準 <0>", "#555555"),
        actual_path="1.5,2 3,4",
        actuals=[Point(1.5, 2, "実績 <a>", "#1b7837"), Point(3, 4, "実績 &", "#b2182b")],
    )
    for chart in (empty, full, replace(full, plan_line=None, baseline=None, target=None)):
        for code in ("K007", "<K>"):
            assert chart_svg(chart, code) == _template(chart, code)
    assert "&lt;b&gt;&amp;&#x27;&quot;" in chart_svg(full, "K")
