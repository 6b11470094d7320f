"""A KPI's chart (``kpis.charts.KpiChart``) written as SVG in Python: what the template
``admin/kpis/chart.html`` wrote, byte for byte, without the template engine's lookups, loops and
filters for each of its some hundred values (about 0.8 ms a chart; a project's change form shows
one per KPI).

Presentation attributes only, no style, no script (the strict Content-Security-Policy holds).
Every value is written as ``{{ value }}`` writes it (localized, autoescaped: ``template_value``).
tests/kpis/test_chart_svg.py compares it with the template it replaced, kept in the test.
"""

from __future__ import annotations

from django.utils.safestring import SafeString

from accounts.admin_fieldset_html import template_value as v
from kpis.charts import KpiChart

LEGEND = (
    '  <g class="legend">\n'
    '    <line x1="80" x2="108" y1="16" y2="16" stroke="#1f5f99" stroke-width="2.5"/>\n'
    '    <circle cx="94" cy="16" r="4" fill="#1f5f99"/>\n'
    '    <text x="114" y="20" fill="#333333">実績値</text>\n'
    '    <line x1="170" x2="198" y1="16" y2="16" stroke="#666666" stroke-width="2"'
    ' stroke-dasharray="6 4"/>\n'
)


def chart_svg(chart: KpiChart, code) -> SafeString:
    """The SVG of ``chart``, whose ids carry the KPI's ``code``."""
    width, height, code = v(chart.width), v(chart.height), v(code)
    unit = chart.unit
    parts = [
        '\n<svg class="kpi-chart" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="chart-{code}-title" font-family="\'Noto Sans CJK JP\', '
        "'Hiragino Sans', 'Yu Gothic', sans-serif\" font-size=\"12\">\n"
        f'  <title id="chart-{code}-title">{v(chart.title)}: 実績値、計画線、目標値'
        f"{f' (単位: {v(unit)})' if unit else ''}</title>\n"
        f'  <rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>\n  '
    ]
    for x1, x2, y, label in chart.y_grid:
        parts.append(
            f'\n  <line x1="{v(x1)}" x2="{v(x2)}" y1="{v(y)}" y2="{v(y)}" stroke="#dddddd"'
            ' stroke-width="1"/>\n'
            f'  <text x="{v(label.x)}" y="{v(label.y)}" text-anchor="{v(label.anchor)}"'
            f' fill="#333333">{v(label.label)}</text>\n  '
        )
    axis = chart.x_axis
    parts.append(
        f'\n  <line x1="{v(axis[0])}" x2="{v(axis[1])}" y1="{v(axis[2])}" y2="{v(axis[2])}"'
        ' stroke="#333333" stroke-width="1"/>\n  '
    )
    for label in chart.x_labels:
        parts.append(
            f'\n  <text x="{v(label.x)}" y="{v(label.y)}" text-anchor="middle"'
            f' fill="#333333">{v(label.label)}</text>\n  '
        )
    unit_label = f'<text x="8" y="36" fill="#333333">({v(unit)})</text>' if unit else ""
    parts.append(
        f'\n  <text x="{v(axis[1])}" y="{v(chart.height - 6)}" text-anchor="end"'
        f' fill="#333333">年度</text>\n  {unit_label}\n  '
    )
    line = chart.plan_line
    if line:
        parts.append(
            f'\n  <line class="plan-line" x1="{v(line[0])}" y1="{v(line[1])}" x2="{v(line[2])}"'
            f' y2="{v(line[3])}" stroke="#666666" stroke-width="2" stroke-dasharray="6 4"/>\n  '
        )
    parts.append("\n  ")
    baseline = chart.baseline
    if baseline:
        parts.append(
            f'\n  <circle cx="{v(baseline.x)}" cy="{v(baseline.y)}" r="5" fill="#ffffff"'
            f' stroke="#555555" stroke-width="2"><title>{v(baseline.title)}</title></circle>\n  '
        )
    parts.append("\n  ")
    if chart.target:
        parts.append(
            f'\n  <path class="target" d="{v(chart.target_shape)}" fill="#b35900">'
            f"<title>{v(chart.target.title)}</title></path>\n  "
        )
    parts.append("\n  ")
    if chart.actual_path:
        parts.append(
            f'\n  <polyline class="actual-line" points="{v(chart.actual_path)}" fill="none"'
            ' stroke="#1f5f99" stroke-width="2.5"/>\n  '
        )
    parts.append("\n  ")
    for point in chart.actuals:
        parts.append(
            f'\n  <circle class="actual" cx="{v(point.x)}" cy="{v(point.y)}" r="5"'
            f' fill="{v(point.colour)}" stroke="#1f5f99" stroke-width="1.5">'
            f"<title>{v(point.title)}</title></circle>\n  "
        )
    parts.append("\n")
    parts.append(LEGEND)
    parts.append(
        f'    <text x="204" y="20" fill="#333333">{v(chart.plan_label)}</text>\n'
        '    <path d="M445,9 L451,15 L445,21 L439,15 Z" fill="#b35900"/>\n    '
    )
    target_label = chart.target_label
    if target_label:
        parts.append(
            f'<text x="{v(target_label.x)}" y="{v(target_label.y)}"'
            f' text-anchor="{v(target_label.anchor)}" fill="#b35900" font-weight="bold">'
            f"{v(target_label.label)}</text>"
        )
    parts.append("\n  </g>\n</svg>\n")
    return SafeString("".join(parts))
