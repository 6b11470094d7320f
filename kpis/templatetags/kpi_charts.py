"""``{% kpi_chart_svg chart code %}``: a KPI's chart written as SVG in Python (kpis/chart_svg.py)."""

from __future__ import annotations

from django import template

from kpis.chart_svg import chart_svg

register = template.Library()


@register.simple_tag
def kpi_chart_svg(chart, code):
    return chart_svg(chart, code)
