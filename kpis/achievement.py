"""「達成度」 and status of a KPI for a fiscal year, from its baseline, target and series of actuals.

The API (stable; other parts of the application build on it):

- ``assess(figures, year) -> Achievement`` — pure: plain data in (``KpiFigures``: the baseline and
  target as ``Figure``, the actuals as ``Reading``, the plan's years), a frozen result out.
- ``assess_kpis(kpis, year) -> dict[kpi_id, Achievement]`` — for many KPIs (a queryset), in two
  queries whatever their number. ``assess_kpi(kpi, year)`` for one.
- ``figures_for_kpis(kpis) -> dict[kpi_id, KpiFigures]`` — the plain data of many KPIs (two
  queries), for callers that assess several years (``assess_series``). It and the data types
  (``Figure``, ``Reading``, ``KpiFigures``) live in ``kpis.figures`` and are imported from here.
- ``Status`` (「達成」 / 「順調」 / 「やや遅れ」 / 「遅れ」 / 「評価不可」, in that order) and ``THRESHOLDS``.

How a KPI is judged (``Achievement.method``):

- ``line`` 「基準値から目標値への直線」: the 「達成度」 is ``(actual − baseline) / (target − baseline)``
  (0 = the baseline, 1 = the target; the sign of ``target − baseline`` carries the direction, so
  「452g → 420g以下」 progresses as the figure falls). A 「▲47%」 or 「20%減」 target against a
  baseline in another unit is the baseline reduced by that share. The expected progress for the
  year is the straight line from the baseline's year to the target's year (a target without a year
  is for the plan's last year); the status compares the rate with it (``Thresholds``).
- ``cumulative`` 「期間累計」: the running sum of the actuals from the first year of the range (or an
  actual reported as a running total itself) against the target; the line runs from zero before
  the range to the target at its end. A missing year in the range makes the sum unknown.
- ``level`` 「水準」: a figure to keep or to meet — 「維持」 and a target equal to the baseline (against
  the baseline), 「前年度並み」/「前年度以下」 (against the previous year's actual, or the baseline
  when there is none), a yearly target 「年間20ha」「90%以上/年」, a target the baseline already meets,
  and a target with no baseline to draw a line from (against the target). Lower is better when the
  target says 「▲」, 「削減」, 「減」, 「以下」 or 「以内」, or when the level is zero (「0件の維持」「0ヶ所」).
- ``text`` 「文章の目標」: no number to compare with — 「評価不可」, a person judges it.

No actual, an actual given only as text, or an actual in another unit: 「評価不可」, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import models

from kpis.figures import Figure, KpiFigures, Reading, figures_for_kpis
from plan.eras import era_year_label

__all__ = [
    "THRESHOLDS",
    "Achievement",
    "Figure",
    "KpiFigures",
    "Line",
    "Reading",
    "Status",
    "Thresholds",
    "assess",
    "assess_kpi",
    "assess_kpis",
    "assess_series",
    "figures_for_kpis",
    "running_sum",
]


class Status(models.TextChoices):
    """The judgement of a KPI for a year, best first."""

    ACHIEVED = "achieved", "達成"
    ON_TRACK = "on_track", "順調"
    SLIGHTLY_BEHIND = "slightly_behind", "やや遅れ"
    BEHIND = "behind", "遅れ"
    NOT_ASSESSABLE = "not_assessable", "評価不可"


@dataclass(frozen=True)
class Thresholds:
    """Where one status ends and the next begins — the only place these numbers are set.

    For a KPI judged along the line from its baseline to its target (and for a running total
    against a 「期間累計」 target), the 「達成度」 is compared with where the straight line says the
    KPI should be this year (the expected progress, e.g. 40% four years into ten):

    - 「達成」: the target is reached (「達成度」 100% or more);
    - 「順調」: behind the line by at most ``on_track_within`` (10 points: 32% when 40% was expected);
    - 「やや遅れ」: behind by at most ``slightly_behind_within`` (25 points: 15% when 40% was expected);
    - 「遅れ」: further behind.

    For a level to keep or meet (「維持」, 「前年度並み」, 「年間20ha」, 「90%以上/年」), the actual is
    divided by the level (the other way round when lower is better):

    - 「達成」: the level is met (100% or more);
    - 「順調」: at least ``level_on_track_from`` of it (95%);
    - 「やや遅れ」: at least ``level_slightly_behind_from`` (90%);
    - 「遅れ」: less.

    「評価不可」: no actual for the year, an actual or a target given only as text, or figures that cannot
    be compared (another unit, no baseline before the target year): a person judges those.
    """

    on_track_within: Decimal = Decimal("0.10")
    slightly_behind_within: Decimal = Decimal("0.25")
    level_on_track_from: Decimal = Decimal("0.95")
    level_slightly_behind_from: Decimal = Decimal("0.90")

    def explained(self) -> list[str]:
        """The rules in Japanese, for the people who read the statuses."""
        return [
            "達成: 目標値に届いた (達成度 100% 以上、または水準を満たした)。",
            f"順調: 基準値から目標年度への直線の見込みとの差が {_points(self.on_track_within)} 以内"
            f" (維持・毎年の水準の目標は水準の {_percent(self.level_on_track_from)} 以上)。",
            f"やや遅れ: 見込みとの差が {_points(self.slightly_behind_within)} 以内"
            f" (水準の目標は {_percent(self.level_slightly_behind_from)} 以上)。",
            "遅れ: それより遅れている。",
            "評価不可: 実績値がない、目標値・実績値が文章のみ、単位が異なるなど、担当者の判断が必要。",
        ]


THRESHOLDS = Thresholds()

#: Words of a target that make lower figures better.
LOWER_IS_BETTER_QUALIFIERS = ("▲", "以下", "以内")
LOWER_IS_BETTER_WORDS = ("削減", "減", "以下", "以内", "▲")
RATE_PLACES = Decimal("0.0001")
VALUE_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class Line:
    """The straight line from the baseline (its year and value) to the target (its year and value)."""

    start_year: int
    start_value: Decimal
    end_year: int
    end_value: Decimal

    def share(self, year: int) -> Decimal:
        """How far along the line ``year`` is: 0 at the start, 1 at the end (and after)."""
        if year >= self.end_year:
            return Decimal(1)
        if year <= self.start_year:
            return Decimal(0)
        return Decimal(year - self.start_year) / Decimal(self.end_year - self.start_year)

    def at(self, year: int) -> Decimal:
        return self.start_value + (self.end_value - self.start_value) * self.share(year)


@dataclass(frozen=True)
class Achievement:
    """The judgement of one KPI for one fiscal year.

    ``rate`` is the 「達成度」 as a fraction (0.1701 = 17.01%; for a level, the actual over the
    level), ``expected`` the value the line expects this year (the level itself for a level) and
    ``expected_rate`` the progress the line expects; ``actual`` is the figure compared (the running
    sum for a cumulative target); ``reason`` says why, in Japanese. ``line`` is for charts.
    """

    year: int
    status: Status
    reason: str
    method: str = "text"
    rate: Decimal | None = None
    expected: Decimal | None = None
    expected_rate: Decimal | None = None
    actual: Decimal | None = None
    target: Decimal | None = None
    line: Line | None = None

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    @property
    def rate_display(self) -> str:
        return "" if self.rate is None else _percent(self.rate)


def _percent(fraction: Decimal) -> str:
    return f"{(fraction * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def _points(fraction: Decimal) -> str:
    return f"{(fraction * 100).quantize(Decimal('1'), ROUND_HALF_UP)}ポイント"


def _round(value: Decimal, places: Decimal = RATE_PLACES) -> Decimal:
    return value.quantize(places, ROUND_HALF_UP)


def _fy(year: int) -> str:
    return f"{era_year_label(year)}年度"


def _base_unit(unit: str) -> str:
    return unit.removesuffix("/年").removesuffix("/日")


def _lower_is_better(target: Figure) -> bool:
    return target.qualifier in LOWER_IS_BETTER_QUALIFIERS or any(
        word in target.text for word in LOWER_IS_BETTER_WORDS
    )


def _unassessable(year: int, reason: str, method: str = "text") -> Achievement:
    return Achievement(year=year, status=Status.NOT_ASSESSABLE, reason=reason, method=method)


# --- The judgement ------------------------------------------------------------------------------


def assess(figures: KpiFigures, year: int) -> Achievement:
    """The status of a KPI for ``year`` (see the module docstring for the rules)."""
    target = figures.target
    if target is None:
        return _unassessable(year, "目標値がありません。")
    level = _level_reference(figures, year)
    if level is not None:
        return level if isinstance(level, Achievement) else _assess_level(figures, year, *level)
    if target.value is None:
        return _unassessable(year, "目標値が文章のため、担当者の判断が必要です。")
    if target.period == "cumulative" and target.fiscal_year and target.fiscal_year_end:
        return _assess_cumulative(figures, year)
    return _assess_line(figures, year)


def _actual(figures: KpiFigures, year: int, unit: str, method: str) -> Achievement | Decimal:
    """The actual's value for ``year``, or why there is none to compare."""
    reading = figures.reading(year)
    if reading is None:
        return _unassessable(year, f"{_fy(year)}の実績値がありません。", method)
    if reading.figure.value is None:
        return _unassessable(
            year,
            f"実績値が文章 (「{reading.figure.text}」) のため、担当者の判断が必要です。",
            method,
        )
    actual_unit = _base_unit(reading.figure.unit)
    if actual_unit and unit and actual_unit != _base_unit(unit):
        return _unassessable(
            year,
            f"実績値の単位 ({reading.figure.unit}) が目標の単位 ({unit}) と異なります。",
            method,
        )
    return reading.figure.value


def _target_value(figures: KpiFigures) -> tuple[Decimal, str] | None:
    """The target as a number in the baseline's unit: 「▲47%」 of a baseline in 万t is 53% of it."""
    target, baseline = figures.target, figures.baseline
    if target is None or target.value is None:
        return None
    if target.qualifier != "▲" or baseline is None or baseline.value is None:
        return target.value, target.unit
    if target.unit == "%" and baseline.unit != "%":
        return baseline.value * (1 - target.value / 100), baseline.unit
    if _base_unit(target.unit) == _base_unit(baseline.unit):
        return baseline.value - target.value, baseline.unit
    return target.value, target.unit


# --- Levels: keep, meet, or match the previous year --------------------------------------------


def _level_reference(
    figures: KpiFigures, year: int
) -> tuple[Decimal, str, str] | Achievement | None:
    """The level a 「維持」/「前年度」/yearly/threshold target is judged against (value, unit, what
    it is), an ``Achievement`` when it cannot be found, or None for other targets."""
    target, baseline = figures.target, figures.baseline
    assert target is not None
    has_baseline = baseline is not None and baseline.value is not None
    if "前年度" in target.text:
        previous = figures.reading(year - 1)
        if previous is not None and previous.figure.value is not None:
            return previous.figure.value, previous.figure.unit, f"前年度 ({_fy(year - 1)}) の実績値"
        if has_baseline:
            return baseline.value, baseline.unit, "基準値 (前年度の実績値がないため)"  # type: ignore[union-attr]
        return _unassessable(year, f"前年度 ({_fy(year - 1)}) の実績値がありません。", "level")
    if "維持" in target.text and target.value is None:
        if has_baseline:
            return baseline.value, baseline.unit, "基準値"  # type: ignore[union-attr]
        return None
    if target.value is None or target.period == "cumulative":
        return None
    goal = _target_value(figures)
    assert goal is not None
    if has_baseline and baseline.value == goal[0]:  # type: ignore[union-attr]
        return baseline.value, baseline.unit, "基準値 (目標は維持)"  # type: ignore[union-attr]
    if has_baseline and _already_met(figures, baseline.value, goal[0]):  # type: ignore[union-attr]
        return goal[0], goal[1], "目標値 (基準値が既に水準を満たす)"
    if target.unit.endswith("/年") and target.fiscal_year is None:
        return goal[0], goal[1], "毎年の目標値"
    if not has_baseline:
        return _level_without_baseline(figures, year, goal)
    return None


def _already_met(figures: KpiFigures, baseline: Decimal, goal: Decimal) -> bool:
    assert figures.target is not None
    if figures.target.qualifier == "以上":
        return baseline >= goal
    if figures.target.qualifier in ("以下", "以内"):
        return baseline <= goal
    return False


def _level_without_baseline(
    figures: KpiFigures, year: int, goal: tuple[Decimal, str]
) -> tuple[Decimal, str, str] | Achievement:
    """No baseline: only the target itself; before the target year, only reaching it can be said."""
    assert figures.target is not None
    target_year = figures.target.last_year
    if target_year is None or year >= target_year:
        return goal[0], goal[1], "目標値"
    judged = _assess_level(figures, year, goal[0], goal[1], "目標値")
    if judged.status == Status.ACHIEVED:
        return judged
    return _unassessable(
        year,
        f"基準値がないため、目標年度 ({_fy(target_year)}) までの進み具合は判断できません。",
        "level",
    )


def _assess_level(
    figures: KpiFigures, year: int, level: Decimal, unit: str, what: str
) -> Achievement:
    assert figures.target is not None
    actual = _actual(figures, year, unit, "level")
    if isinstance(actual, Achievement):
        return actual
    lower = _lower_is_better(figures.target) or level == 0
    met = actual <= level if lower else actual >= level
    rate: Decimal | None
    if lower:
        rate = Decimal(1) if actual == 0 else (level / actual if level else None)
    else:
        rate = actual / level if level else Decimal(1)
    rate = None if rate is None else _round(rate)
    comparison = "以下" if lower else "以上"
    reason = f"{what} {_number(level)}{unit} {comparison}が目標。実績値 {_number(actual)}{unit}。"
    if met:
        status = Status.ACHIEVED
    elif rate is None or rate < THRESHOLDS.level_slightly_behind_from:
        status = Status.BEHIND
    elif rate < THRESHOLDS.level_on_track_from:
        status = Status.SLIGHTLY_BEHIND
    else:
        status = Status.ON_TRACK
    return Achievement(
        year=year,
        status=status,
        reason=reason,
        method="level",
        rate=rate,
        expected=_round(level, VALUE_PLACES),
        expected_rate=Decimal(1),
        actual=actual,
        target=_round(level, VALUE_PLACES),
    )


# --- The line from the baseline to the target ---------------------------------------------------


def _on_the_line(year: int, rate: Decimal, expected_rate: Decimal) -> Status:
    if rate >= 1:
        return Status.ACHIEVED
    behind = expected_rate - rate
    if behind <= THRESHOLDS.on_track_within:
        return Status.ON_TRACK
    if behind <= THRESHOLDS.slightly_behind_within:
        return Status.SLIGHTLY_BEHIND
    return Status.BEHIND


def _judged_on_line(
    year: int, line: Line, actual: Decimal, method: str, reason_head: str
) -> Achievement:
    rate = _round((actual - line.start_value) / (line.end_value - line.start_value))
    expected_rate = _round(line.share(year))
    status = _on_the_line(year, rate, expected_rate)
    reason = (
        f"{reason_head}達成度 {_percent(rate)}、"
        f"{_fy(line.end_year)}の目標への直線の見込みは {_percent(expected_rate)}。"
    )
    return Achievement(
        year=year,
        status=status,
        reason=reason,
        method=method,
        rate=rate,
        expected=_round(line.at(year), VALUE_PLACES),
        expected_rate=expected_rate,
        actual=actual,
        target=_round(line.end_value, VALUE_PLACES),
        line=line,
    )


def _assess_line(figures: KpiFigures, year: int) -> Achievement:
    baseline, target = figures.baseline, figures.target
    assert baseline is not None and baseline.value is not None and target is not None
    goal, unit = _target_value(figures)  # type: ignore[misc]
    start_year = baseline.last_year or figures.plan_start_year - 1
    end_year = target.last_year or figures.plan_end_year
    if end_year <= start_year:
        return _assess_level(figures, year, goal, unit, "目標値")
    line = Line(start_year, baseline.value, end_year, goal)
    actual = _actual(figures, year, baseline.unit or unit, "line")
    if isinstance(actual, Achievement):
        return Achievement(**{**actual.__dict__, "line": line})
    return _judged_on_line(year, line, actual, "line", "")


# --- A target cumulated over a range -------------------------------------------------------------


def running_sum(figures: KpiFigures, year: int) -> Decimal | list[int]:
    """The actuals summed from the first year of the target's range to ``year`` (an actual reported
    as a running total from that year is taken as it is), or the years missing from the sum."""
    target = figures.target
    assert target is not None and target.fiscal_year is not None
    reading = figures.reading(year)
    if (
        reading is not None
        and reading.figure.period == "cumulative"
        and reading.figure.value is not None
        and reading.figure.fiscal_year == target.fiscal_year
    ):
        return reading.figure.value
    total = Decimal(0)
    missing = []
    for each in range(target.fiscal_year, year + 1):
        found = figures.reading(each)
        if found is None or found.figure.value is None:
            missing.append(each)
        else:
            total += found.figure.value
    return missing or total


def _assess_cumulative(figures: KpiFigures, year: int) -> Achievement:
    target = figures.target
    assert target is not None and target.value is not None
    start, end = target.fiscal_year, target.fiscal_year_end
    assert start is not None and end is not None
    if target.value == 0:  # 「0件 (R6-R12年度累計)」: nothing may happen in the range
        return _assess_level(figures, year, Decimal(0), target.unit, "期間累計の目標値")
    line = Line(start - 1, Decimal(0), end, target.value)
    if year < start:
        return _unassessable(
            year, f"累計の期間 ({_fy(start)}〜{_fy(end)}) の前の年度です。", "cumulative"
        )
    checked = _actual(figures, min(year, end), target.unit, "cumulative")
    if isinstance(checked, Achievement):
        return Achievement(**{**checked.__dict__, "line": line})
    total = running_sum(figures, min(year, end))
    if isinstance(total, list):
        years = "、".join(_fy(each) for each in total)
        return Achievement(
            year=year,
            status=Status.NOT_ASSESSABLE,
            reason=f"累計に必要な{years}の実績値がありません。",
            method="cumulative",
            line=line,
        )
    head = f"{_fy(start)}からの累計 {_number(total)}{target.unit}、"
    return _judged_on_line(year, line, total, "cumulative", head)


def _number(value: Decimal) -> str:
    """A figure as people write it: 「1,400」「3.4」「0.5」."""
    normalized = value.normalize()
    if normalized == normalized.to_integral_value():
        return f"{int(normalized):,}"
    return f"{normalized:,f}"


# --- Over the database --------------------------------------------------------------------------


def assess_kpis(kpis: models.QuerySet, year: int) -> dict[int, Achievement]:
    """The status of every KPI of ``kpis`` for ``year``, by KPI id: two queries whatever their
    number (``figures_for_kpis``)."""
    return {pk: assess(figures, year) for pk, figures in figures_for_kpis(kpis, until=year).items()}


def assess_kpi(kpi, year: int) -> Achievement:
    from kpis.models import Kpi

    return assess_kpis(Kpi.objects.filter(pk=kpi.pk), year)[kpi.pk]


def assess_series(figures: KpiFigures, years: Iterable[int] | None = None) -> list[Achievement]:
    """One achievement per year of the series (by default the years with an actual)."""
    chosen: Sequence[int] = sorted(
        set(years) if years is not None else {r.year for r in figures.readings}
    )
    return [assess(figures, year) for year in chosen]
