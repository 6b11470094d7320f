"""Charts drawn on the server as SVG: a KPI's actuals, the straight line to its target, the target;
and the horizontal bars of the 「達成状況」 dashboard.

These functions only compute geometry (plain dataclasses of coordinates and Japanese labels);
``kpis/chart_svg.py`` (a KPI's chart) and the template ``admin/kpis/bars.html`` write the SVG
with presentation attributes (``fill``, ``stroke``, ``font-size``), never a ``style`` attribute or element and never a
script, so the strict Content-Security-Policy holds. No charting library was used: pygal embeds a
``<style>`` element and scripts, matplotlib a ``<style>`` element and style attributes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from kpis.achievement import Achievement, KpiFigures, Status
from plan.eras import era_year_label

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 78, 24, 44, 48

#: Colours of the statuses (fills of the dashboard's bars and of the chart's points).
STATUS_COLOURS = {
    Status.ACHIEVED: "#1b7837",
    Status.ON_TRACK: "#5aae61",
    Status.SLIGHTLY_BEHIND: "#e08214",
    Status.BEHIND: "#b2182b",
    Status.NOT_ASSESSABLE: "#9e9e9e",
}


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    label: str
    anchor: str = "middle"


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    title: str
    colour: str = "#1f5f99"


@dataclass
class KpiChart:
    """What ``kpis.chart_svg.chart_svg`` draws, in the SVG's coordinates."""

    title: str
    unit: str
    width: int = WIDTH
    height: int = HEIGHT
    x_axis: tuple[float, float, float] = (0, 0, 0)  # x1, x2, y
    y_grid: list[tuple[float, float, float, Text]] = field(default_factory=list)  # x1, x2, y
    x_labels: list[Text] = field(default_factory=list)
    plan_line: tuple[float, float, float, float] | None = None
    plan_label: str = ""
    target: Point | None = None
    target_shape: str = ""  # a diamond around the target
    target_label: Text | None = None
    baseline: Point | None = None
    actual_path: str = ""
    actuals: list[Point] = field(default_factory=list)


def _fy_short(year: int) -> str:
    return era_year_label(year).replace("令和", "R").replace("平成", "H")


def _number(value: Decimal | float) -> str:
    number = float(value)
    if number == int(number):
        return f"{int(number):,}"
    return f"{number:,.2f}".rstrip("0").rstrip(".")


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering ``low``..``high`` (steps of 1, 2 or 5 × 10ⁿ)."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def kpi_chart(
    figures: KpiFigures, achievements: list[Achievement], indicator: str
) -> KpiChart | None:
    """The chart of one KPI, or None when there is nothing numeric to draw."""
    line = next((a.line for a in achievements if a.line is not None), None)
    level = next(
        (a.target for a in achievements if a.method == "level" and a.target is not None), None
    )
    points = [(a.year, a.actual) for a in achievements if a.actual is not None]
    if line is None and level is None and not points:
        return None
    unit = (
        figures.baseline.unit if figures.baseline and figures.baseline.value is not None else ""
    ) or (figures.target.unit if figures.target else "")
    years = [year for year, _ in points]
    values = [float(value) for _, value in points]
    if line is not None:
        years += [line.start_year, line.end_year]
        values += [float(line.start_value), float(line.end_value)]
    if level is not None:
        values.append(float(level))
    first, last = (
        min(years, default=figures.plan_start_year),
        max(years, default=figures.plan_end_year),
    )
    if level is not None and line is None:
        first, last = min(first, figures.plan_start_year), max(last, figures.plan_end_year)
    last = max(last, first + 1)
    ticks = nice_ticks(min(values), max(values))
    low, high = ticks[0], ticks[-1]

    def x(year: int) -> float:
        return round(LEFT + (year - first) / (last - first) * (WIDTH - LEFT - RIGHT), 1)

    def y(value: float) -> float:
        return round(TOP + (high - value) / (high - low) * (HEIGHT - TOP - BOTTOM), 1)

    chart = KpiChart(title=indicator, unit=unit)
    bottom = HEIGHT - BOTTOM
    chart.x_axis = (LEFT, WIDTH - RIGHT, bottom)
    chart.y_grid = [
        (LEFT, WIDTH - RIGHT, y(tick), Text(LEFT - 6, y(tick) + 4, _number(tick), "end"))
        for tick in ticks
    ]
    step = 1 if last - first <= 12 else 2
    chart.x_labels = [
        Text(x(year), bottom + 18, _fy_short(year)) for year in range(first, last + 1, step)
    ]
    cumulative = any(a.method == "cumulative" for a in achievements)
    if line is not None:
        chart.plan_line = (
            x(line.start_year),
            y(float(line.start_value)),
            x(line.end_year),
            y(float(line.end_value)),
        )
        chart.plan_label = (
            "計画線 (累計の目標への直線)" if cumulative else "計画線 (基準値から目標値への直線)"
        )
        chart.baseline = Point(
            x(line.start_year),
            y(float(line.start_value)),
            (
                f"{_fy_short(line.start_year)}年度 基準 {_number(line.start_value)}{unit}"
                if not cumulative
                else f"累計の起点 ({_fy_short(line.start_year)}年度末) 0{unit}"
            ),
            "#555555",
        )
        goal_year, goal = line.end_year, line.end_value
    else:
        assert level is not None
        chart.plan_line = (x(first), y(float(level)), x(last), y(float(level)))
        chart.plan_label = "水準 (維持・毎年の目標)"
        goal_year, goal = last, level
    goal_title = (
        f"目標 {_number(goal)}{unit} ({_fy_short(goal_year)}年度)"
        if line is not None
        else f"目標の水準 {_number(goal)}{unit}"
    )
    chart.target = Point(x(goal_year), y(float(goal)), goal_title)
    tx, ty = chart.target.x, chart.target.y
    chart.target_shape = f"M{tx},{ty - 7} L{tx + 7},{ty} L{tx},{ty + 7} L{tx - 7},{ty} Z"
    chart.target_label = Text(456, 20, goal_title, "start")  # in the legend
    chart.actuals = [
        Point(
            x(a.year),
            y(float(a.actual)),
            f"{_fy_short(a.year)}年度 実績 {_number(a.actual)}{unit} ({a.status_label})",
            STATUS_COLOURS[Status(a.status)],
        )
        for a in achievements
        if a.actual is not None
    ]
    chart.actual_path = " ".join(f"{p.x},{p.y}" for p in chart.actuals)
    return chart


# --- The dashboard's bars ------------------------------------------------------------------------

BAR_WIDTH, BAR_HEIGHT = 360, 18


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    colour: str
    title: str


def status_bar(counts: dict[str, int]) -> list[Segment]:
    """One stacked bar: a segment per status (best first), as wide as its share of the KPIs."""
    total = sum(counts.values())
    segments, x = [], 0.0
    for status in Status:
        count = counts.get(status.value, 0)
        if not count or not total:
            continue
        width = round(count / total * BAR_WIDTH, 1)
        segments.append(Segment(x, width, STATUS_COLOURS[status], f"{status.label} {count}件"))
        x = round(x + width, 1)
    return segments
