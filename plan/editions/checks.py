"""公表前チェック: each check is a small function of an edition returning its findings (data: the
check's code, a Japanese message, the record it is about). A finding blocks publishing until the
record is fixed or a coordinator acknowledges it with a reason (``FindingAcknowledgement``).

Query bound: every check runs a fixed number of queries (at most three), whatever the edition's size;
``edition_findings`` runs them all (pinned by a test). The checks run on every view of the
公表前チェック page, so they read plain values (``values_list``), never a model per row, and the
KPI value checks let the database pass over the KPIs that cannot make a finding (a condition every
finding meets; the check still decides in Python).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Exists, OuterRef, Q

from kpis.models import Kpi, KpiValue, ValueKind
from plan.models import ChangeRequest, Edition, Listing, Measure, Project

#: What each kind of finding is called on the findings page.
FINDING_TITLES = {
    "no_bureau": "所管局がない",
    "no_listing": "掲載がない",
    "numbering": "No の抜け・重複",
    "target_without_year": "目標年度がない",
    "target_year_outside_plan": "目標年度が計画期間の外",
    "baseline_after_target": "基準年度が目標年度より後",
    "unreadable_value": "数値を読めない値",
    "notation_variant": "表記ゆれ",
    "text_noise": "全角数字・語の中の空白",
    "open_change_request": "未決定の変更申請",
}


@dataclass(frozen=True)
class Finding:
    """One thing to fix or acknowledge before publishing."""

    code: str
    message: str
    model_label: str = ""
    object_pk: int = 0
    record: str = ""

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.code, self.model_label, self.object_pk)

    @property
    def title(self) -> str:
        """The kind of finding, as people read it."""
        return FINDING_TITLES.get(self.code, self.code)

    @property
    def token(self) -> str:
        """The key as one form value (``code:model_label:pk``)."""
        return f"{self.code}:{self.model_label}:{self.object_pk}"


def _project(code: str, project: Project, message: str) -> Finding:
    return Finding(code, message, "plan.project", project.pk, f"{project.code} {project.name}")


class KpiText(NamedTuple):
    """What a finding reads of a KPI (read as plain values, not models)."""

    pk: int
    code: str
    indicator: str


def _kpi(code: str, kpi: Kpi | KpiText, message: str) -> Finding:
    return Finding(code, message, "kpis.kpi", kpi.pk, f"{kpi.code} {kpi.indicator[:40]}")


def _kpi_texts(edition: Edition) -> list[KpiText]:
    """The edition's KPIs by code (one query)."""
    return [
        KpiText(*row)
        for row in edition.kpis.order_by("code").values_list("pk", "code", "indicator")
    ]


# --- Projects ---------------------------------------------------------------------------------


def projects_without_bureau(edition: Edition) -> list[Finding]:
    projects = edition.projects.filter(bureau_links__isnull=True).order_by("code")
    return [
        _project("no_bureau", p, f"「{p.name}」({p.code}) に所管局がありません。") for p in projects
    ]


def projects_without_listing(edition: Edition) -> list[Finding]:
    projects = edition.projects.filter(listings__isnull=True).order_by("code")
    return [
        _project("no_listing", p, f"「{p.name}」({p.code}) がどの基本施策にも掲載されていません。")
        for p in projects
    ]


def numbering_problems(numbers: list[int]) -> list[str]:
    """A measure's No must run 1, 2, 3 … without gaps or duplicates: what is wrong (Japanese)."""
    counts = Counter(numbers)
    problems = [f"No {n} が重複しています" for n in sorted(n for n, c in counts.items() if c > 1)]
    missing = sorted(set(range(1, max(numbers, default=0) + 1)) - set(numbers))
    if missing:
        problems.append("No " + "・".join(str(n) for n in missing) + " が抜けています")
    return problems


def measure_numbering(edition: Edition) -> list[Finding]:
    numbers: dict[int, list[int]] = defaultdict(list)
    for measure_id, number in Listing.objects.filter(measure__goal__edition=edition).values_list(
        "measure_id", "number"
    ):
        numbers[measure_id].append(number)
    measures = Measure.objects.filter(goal__edition=edition).select_related("goal")
    findings = []
    for measure in measures:
        problems = numbering_problems(numbers.get(measure.pk, []))
        if problems:
            findings.append(
                Finding(
                    "numbering",
                    f"基本施策「{measure}」の No: {'、'.join(problems)}。",
                    "plan.measure",
                    measure.pk,
                    str(measure),
                )
            )
    return findings


# --- KPI values -------------------------------------------------------------------------------


class ValueRow(NamedTuple):
    """A baseline or target as the checks read it (plain values, not a model)."""

    pk: int
    text: str
    value: object
    fiscal_year: int | None
    fiscal_year_end: int | None


def _values_by_kpi(edition: Edition, candidates: Q) -> dict[KpiText, dict[str, ValueRow]]:
    """The baselines and targets of those of the edition's KPIs that have a value matching
    ``candidates``, by KPI (in the order of the KPIs' codes) and kind. One query, of plain values.

    ``candidates`` only spares reading the values that cannot make a finding: it is a condition
    every finding's values meet (a superset), and the check decides in Python as before."""
    by_kpi: dict[KpiText, dict[str, ValueRow]] = defaultdict(dict)
    chosen = KpiValue.objects.filter(candidates, kpi__edition=edition).values("kpi_id")
    rows = (
        KpiValue.objects.filter(kpi_id__in=chosen)
        .order_by("kpi__code", "kind")
        .values_list(
            "kpi_id",
            "kpi__code",
            "kpi__indicator",
            "kind",
            "pk",
            "text",
            "value",
            "fiscal_year",
            "fiscal_year_end",
        )
    )
    for kpi_pk, code, indicator, kind, *value in rows:
        by_kpi[KpiText(kpi_pk, code, indicator)][kind] = ValueRow(*value)
    return by_kpi


def _last_year(value: ValueRow) -> int | None:
    return value.fiscal_year_end or value.fiscal_year


def kpi_target_years(edition: Edition) -> list[Finding]:
    """A target without its year, a target year outside the plan's period, a baseline year after
    the target year."""
    start, end = edition.plan.start_fiscal_year, edition.plan.end_fiscal_year
    # A target with no year, with a year or end year outside the plan, or below its baseline's
    # year (whichever of its years ``_last_year`` takes): every finding's target, and fewer.
    baseline_later = KpiValue.objects.filter(
        Q(fiscal_year__gt=OuterRef("fiscal_year")) | Q(fiscal_year__gt=OuterRef("fiscal_year_end")),
        kpi=OuterRef("kpi"),
        kind=ValueKind.BASELINE,
    )
    candidates = Q(kind=ValueKind.TARGET) & (
        Q(fiscal_year__isnull=True)
        | ~Q(fiscal_year__range=(start, end))
        | (Q(fiscal_year_end__isnull=False) & ~Q(fiscal_year_end__range=(start, end)))
        | Q(Exists(baseline_later))
    )
    findings = []
    for kpi, values in _values_by_kpi(edition, candidates).items():
        target, baseline = values.get(ValueKind.TARGET), values.get(ValueKind.BASELINE)
        if target is None:
            continue
        if target.fiscal_year is None:
            message = f"KPI「{kpi.indicator}」の目標値「{target.text}」に目標年度がありません。"
            findings.append(_kpi("target_without_year", kpi, message))
            continue
        last = _last_year(target) or target.fiscal_year
        if not start <= last <= end:
            findings.append(
                _kpi(
                    "target_year_outside_plan",
                    kpi,
                    f"KPI「{kpi.indicator}」の目標年度 {last} が計画期間 ({start}〜{end}年度) の外です。",
                )
            )
        if baseline is not None and (baseline.fiscal_year or 0) > last:
            findings.append(
                _kpi(
                    "baseline_after_target",
                    kpi,
                    f"KPI「{kpi.indicator}」の基準年度 {baseline.fiscal_year} が目標年度 {last} より後です。",
                )
            )
    return findings


def kpi_unreadable_values(edition: Edition) -> list[Finding]:
    """A baseline or target with no number where the other one has a number."""
    findings = []
    # A KPI with a value without a number: every finding's KPI, and fewer.
    for kpi, values in _values_by_kpi(edition, Q(value__isnull=True)).items():
        for kind, other in (
            (ValueKind.BASELINE, ValueKind.TARGET),
            (ValueKind.TARGET, ValueKind.BASELINE),
        ):
            value, counterpart = values.get(kind), values.get(other)
            if value is None or counterpart is None:
                continue
            if value.value is None and counterpart.value is not None:
                label = ValueKind(kind).label
                findings.append(
                    Finding(
                        "unreadable_value",
                        f"KPI「{kpi.indicator}」の{label}「{value.text}」から数値を読めません"
                        f" ({ValueKind(other).label}は「{counterpart.text}」)。",
                        "kpis.kpivalue",
                        value.pk,
                        f"{kpi.code} {label}",
                    )
                )
    return findings


# --- Notation ---------------------------------------------------------------------------------

_WHITESPACE = re.compile(r"\s+")


def notation_key(text: str) -> str:
    """Texts that differ only in full/half width and spaces have the same key (NFKC, space-free)."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", text))


def kpi_notation_variants(edition: Edition) -> list[Finding]:
    """「表記ゆれ」: KPIs whose indicators are the same once NFKC-normalised and spaces removed, but
    written differently. Each KPI written unlike the first (by code) of its group is a finding."""
    groups: dict[str, list[KpiText]] = defaultdict(list)
    for kpi in _kpi_texts(edition):
        groups[notation_key(kpi.indicator)].append(kpi)
    findings = []
    for kpis in groups.values():
        first = kpis[0]
        for kpi in kpis[1:]:
            if kpi.indicator != first.indicator:
                findings.append(
                    _kpi(
                        "notation_variant",
                        kpi,
                        f"KPI「{kpi.indicator}」({kpi.code}) は「{first.indicator}」({first.code}) と"
                        " 書き方だけが違います (表記ゆれ)。",
                    )
                )
    return findings


_FULL_WIDTH_DIGITS = re.compile(r"[０-９]+")
_JAPANESE = "\u3005\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
_SPACE_IN_WORD = re.compile(rf"[{_JAPANESE}][ \u3000]+[{_JAPANESE}]")


def text_noise(text: str) -> list[str]:
    """Full-width digits, and spaces between two Japanese characters: what was found (Japanese)."""
    problems = [f"全角数字「{m}」" for m in _FULL_WIDTH_DIGITS.findall(text)]
    problems += [f"語の中の空白「{m}」" for m in _SPACE_IN_WORD.findall(text)]
    return problems


def _may_have_noise(text: str) -> bool:
    """Whether ``text_noise`` could find something (cheap: most texts have neither a full-width
    digit nor a space, and the space pattern runs only where there is a space)."""
    return bool(
        _FULL_WIDTH_DIGITS.search(text)
        or (("\u0020" in text or "\u3000" in text) and _SPACE_IN_WORD.search(text))
    )


def edition_text_noise(edition: Edition) -> list[Finding]:
    """Projects' names and summaries, KPIs' indicators and values with ``text_noise``: three
    queries of plain values; a text without full-width digits or spaces between Japanese characters
    (most of them) is passed over cheaply (``_may_have_noise``)."""
    findings = []
    projects = edition.projects.order_by("code").values_list("pk", "code", "name", "summary")
    for pk, code, name, summary in projects:
        if not (_may_have_noise(name) or _may_have_noise(summary)):
            continue
        problems = text_noise(name) + text_noise(summary)
        message = f"「{name}」の事業名・概要に {'、'.join(problems)} があります。"
        findings.append(Finding("text_noise", message, "plan.project", pk, f"{code} {name}"))
    texts: dict[int, list[str]] = defaultdict(list)
    values = KpiValue.objects.filter(kpi__edition=edition).order_by("kpi", "kind")
    for kpi_pk, text in values.values_list("kpi_id", "text"):
        texts[kpi_pk].append(text)
    for kpi in _kpi_texts(edition):
        written = [kpi.indicator, *texts.get(kpi.pk, ())]
        if not any(_may_have_noise(text) for text in written):
            continue
        problems = [problem for text in written for problem in text_noise(text)]
        message = f"KPI「{kpi.indicator}」の文言・値に {'、'.join(problems)} があります。"
        findings.append(_kpi("text_noise", kpi, message))
    return findings


# --- The edition's requests -------------------------------------------------------------------


def open_change_requests(edition: Edition) -> list[Finding]:
    requests = ChangeRequest.objects.filter(edition=edition).open().order_by("pk")
    return [
        Finding(
            "open_change_request",
            f"変更申請 #{request.pk}「{request.title}」が「{request.get_status_display()}」のままです。",
            "plan.changerequest",
            request.pk,
            request.title,
        )
        for request in requests
    ]


@dataclass(frozen=True)
class Check:
    code: str
    title: str
    run: Callable[[Edition], list[Finding]]


#: Every check, in the order the findings page shows them.
CHECKS: tuple[Check, ...] = (
    Check("no_bureau", "所管局のない事業", projects_without_bureau),
    Check("no_listing", "掲載のない事業", projects_without_listing),
    Check("numbering", "基本施策の No の抜け・重複", measure_numbering),
    Check("target_years", "目標年度・基準年度", kpi_target_years),
    Check("unreadable_value", "数値を読めない値", kpi_unreadable_values),
    Check("notation_variant", "KPI の表記ゆれ", kpi_notation_variants),
    Check("text_noise", "全角数字・語の中の空白", edition_text_noise),
    Check("open_change_request", "未決定の変更申請", open_change_requests),
)


def edition_findings(edition: Edition) -> list[Finding]:
    """Every finding of every check, in the order of ``CHECKS``."""
    return [finding for check in CHECKS for finding in check.run(edition)]
