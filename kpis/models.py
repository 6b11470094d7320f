"""KPIs (事業目標) and their baseline and target values.

- KPI は複数のプロジェクトで共有されうる (例: 「市内再エネ導入量」は 7 事業)。共有 KPI は一件の
  レコードで、変更はすべての事業に及ぶ。
- ①②③ と番号の付いたセルは別々の KPI。プロジェクト内の順序は ProjectKpi.position。
- 基準値・目標値は、公表表記 (text) と構造化した値 (数値・単位・修飾語・年度) の両方で持つ。
  「前年度並み」のような文章のセルは構造化欄を空にし、表記だけを残す。
"""

from dataclasses import dataclass
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from plan.eras import format_fiscal_year
from plan.models.history import ChangeAttribution
from plan.models.structure import cell_text_field, fits_a_cell
from plan.search import search_terms, search_text_of


class KpiQuerySet(models.QuerySet["Kpi"]):
    def search(self, query: str) -> "KpiQuerySet":
        """KPI コードと事業目標の文言を、全角/半角・ひらがな/カタカナを区別せず検索する。語は AND。"""
        queryset = self
        for term in search_terms(query):
            queryset = queryset.filter(search_text__contains=term)
        return queryset

    def for_bureaus(self, bureau_ids) -> "KpiQuerySet":
        """その局 (のどれか) の事業に結び付く KPI (共有 KPI を含む)。"""
        return self.filter(
            pk__in=ProjectKpi.objects.filter(project__bureau_links__bureau__in=bureau_ids).values(
                "kpi"
            )
        )


class Kpi(models.Model):
    edition = models.ForeignKey(
        "plan.Edition", verbose_name="版", on_delete=models.CASCADE, related_name="kpis"
    )
    code = models.CharField(
        "KPI コード", max_length=20, help_text="版の中で一意な識別子 (例: K001)。"
    )
    indicator = cell_text_field("事業目標 (指標)")
    projects = models.ManyToManyField(
        "plan.Project", through="ProjectKpi", verbose_name="個別プロジェクト", related_name="kpis"
    )
    search_text = models.TextField("検索用テキスト", blank=True, editable=False)

    objects = KpiQuerySet.as_manager()

    history = HistoricalRecords(
        bases=[ChangeAttribution], verbose_name="KPIの履歴", excluded_fields=["search_text"]
    )

    class Meta:
        verbose_name = "KPI"
        verbose_name_plural = "KPI"
        ordering = ["edition", "code"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "code"], name="kpi_unique_code"),
            models.CheckConstraint(condition=~Q(indicator=""), name="kpi_indicator_not_empty"),
            models.CheckConstraint(
                condition=fits_a_cell("indicator"), name="kpi_indicator_fits_a_cell"
            ),
        ]

    def __str__(self) -> str:
        return self.indicator

    def save(self, *args, **kwargs) -> None:
        self.search_text = search_text_of(self.code, self.indicator)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    def value_text(self, kind: str) -> str:
        """公表表記の基準値または目標値 (なければ空)。``values`` を prefetch しておくと問い合わせはない。"""
        return next((value.text for value in self.values.all() if value.kind == kind), "")


class ValueKind(models.TextChoices):
    BASELINE = "baseline", "基準値"
    TARGET = "target", "目標値"


class Qualifier(models.TextChoices):
    """数値に付く修飾語。▲ と「〜減」はどちらも削減 (REDUCTION)。"""

    NONE = "", "なし"
    AT_LEAST = "以上", "以上"
    AT_MOST = "以下", "以下"
    WITHIN = "以内", "以内"
    MAXIMUM = "最大", "最大"
    ABOUT = "約", "約"
    AROUND = "程度", "程度"
    REDUCTION = "▲", "▲ (削減)"


class Period(models.TextChoices):
    """年度の意味。範囲 (fiscal_year〜fiscal_year_end) を持つのは RANGE, CUMULATIVE, AVERAGE。"""

    NONE = "", "なし"
    FISCAL_YEAR = "fiscal_year", "年度"
    FISCAL_YEAR_END = "fiscal_year_end", "年度末"
    RANGE = "range", "期間"
    CUMULATIVE = "cumulative", "期間累計"
    AVERAGE = "average", "期間平均"


RANGED_PERIODS = (Period.RANGE, Period.CUMULATIVE, Period.AVERAGE)


@dataclass(frozen=True)
class ValuePart:
    """One part of a baseline, target or actual value: its field, the Japanese name people see
    (the workbook's column after 「基準値」/「目標値」), the kind of cell it takes, and its width."""

    field: str
    label: str
    cell: Literal["text", "integer", "decimal"]
    width: float


#: The parts of a value, in the order the workbook and the forms show them: one table, used by the
#: model's readers, the workbook (columns, reading, comparing, writing) and the change proposals.
VALUE_PARTS: tuple[ValuePart, ...] = (
    ValuePart("text", "表記", "text", 28),
    ValuePart("value", "数値", "decimal", 10),
    ValuePart("unit", "単位", "text", 8),
    ValuePart("qualifier", "修飾語", "text", 8),
    ValuePart("fiscal_year", "年度", "integer", 8),
    ValuePart("fiscal_year_end", "終了年度", "integer", 10),
    ValuePart("period", "年度の意味", "text", 12),
)
VALUE_FIELDS: tuple[str, ...] = tuple(part.field for part in VALUE_PARTS)


class KpiValue(models.Model):
    """KPI の基準値または目標値。公表表記と構造化した値。"""

    kpi = models.ForeignKey(
        Kpi, verbose_name="KPI", on_delete=models.CASCADE, related_name="values"
    )
    kind = models.CharField("種別", max_length=10, choices=ValueKind.choices)
    text = cell_text_field(
        "公表表記", help_text="公表資料のとおりの表記 (例: 「436MW (R2年度)」)。"
    )
    value = models.DecimalField("数値", max_digits=16, decimal_places=4, null=True, blank=True)
    unit = models.CharField("単位", max_length=30, blank=True)
    qualifier = models.CharField("修飾語", max_length=4, choices=Qualifier.choices, blank=True)
    fiscal_year = models.PositiveSmallIntegerField("年度 (開始)", null=True, blank=True)
    fiscal_year_end = models.PositiveSmallIntegerField("年度 (終了)", null=True, blank=True)
    period = models.CharField("年度の意味", max_length=20, choices=Period.choices, blank=True)

    history = HistoricalRecords(bases=[ChangeAttribution], verbose_name="基準値・目標値の履歴")

    class Meta:
        verbose_name = "基準値・目標値"
        verbose_name_plural = "基準値・目標値"
        ordering = ["kpi", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "kind"], name="kpi_value_unique_kind"),
            models.CheckConstraint(
                condition=Q(kind__in=ValueKind.values), name="kpi_value_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(qualifier__in=Qualifier.values), name="kpi_value_qualifier_valid"
            ),
            models.CheckConstraint(
                condition=Q(period__in=Period.values), name="kpi_value_period_valid"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="kpi_value_text_not_empty"),
            models.CheckConstraint(
                condition=fits_a_cell("text"), name="kpi_value_text_fits_a_cell"
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=False) | Q(unit="", qualifier=""),
                name="kpi_value_unit_needs_value",
            ),
            models.CheckConstraint(
                condition=Q(fiscal_year__isnull=True)
                | Q(fiscal_year__gte=1926, fiscal_year__lte=2200),
                name="kpi_value_fiscal_year_range",
            ),
            models.CheckConstraint(
                condition=Q(fiscal_year__isnull=False, period__in=Period.values[1:])
                | Q(fiscal_year__isnull=True, period=""),
                name="kpi_value_period_with_year",
            ),
            models.CheckConstraint(
                condition=Q(
                    fiscal_year_end__isnull=True, period__in=["", "fiscal_year", "fiscal_year_end"]
                )
                | Q(
                    # NULL >= x is unknown, which a CHECK lets through: say "not null" explicitly.
                    fiscal_year_end__isnull=False,
                    fiscal_year_end__gte=F("fiscal_year"),
                    period__in=["range", "cumulative", "average"],
                ),
                name="kpi_value_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text}"

    def clean(self) -> None:
        errors = {}
        if self.value is None and (self.unit or self.qualifier):
            errors["value"] = "単位や修飾語を入れるときは数値も入れてください。"
        if self.fiscal_year is None and self.period:
            errors["fiscal_year"] = "年度の意味を選んだときは年度を入れてください。"
        if self.fiscal_year is not None and not self.period:
            errors["period"] = "年度を入れたときは年度の意味を選んでください。"
        if self.period in RANGED_PERIODS:
            if self.fiscal_year_end is None:
                errors["fiscal_year_end"] = "期間には終了年度を入れてください。"
            elif self.fiscal_year is not None and self.fiscal_year_end < self.fiscal_year:
                errors["fiscal_year_end"] = "終了年度は開始年度以降にしてください。"
        elif self.fiscal_year_end is not None:
            errors["fiscal_year_end"] = "終了年度は期間・累計・平均のときだけ入れてください。"
        if errors:
            raise ValidationError(errors)

    @property
    def fiscal_year_label(self) -> str:
        """「令和12年度 (2030)」「令和6年度 (2024)〜令和12年度 (2030) 累計」。"""
        if self.fiscal_year is None:
            return ""
        start = format_fiscal_year(self.fiscal_year)
        if self.period == Period.FISCAL_YEAR_END:
            return f"{start}末"
        if self.period in RANGED_PERIODS and self.fiscal_year_end is not None:
            suffix = {Period.CUMULATIVE: " 累計", Period.AVERAGE: " 平均"}.get(self.period, "")
            return f"{start}〜{format_fiscal_year(self.fiscal_year_end)}{suffix}"
        return start


class ProjectKpi(models.Model):
    """プロジェクトと KPI の結び付き。position は公表資料の ①②③ の順。"""

    project = models.ForeignKey(
        "plan.Project",
        verbose_name="個別プロジェクト",
        on_delete=models.CASCADE,
        related_name="kpi_links",
    )
    kpi = models.ForeignKey(
        Kpi, verbose_name="KPI", on_delete=models.CASCADE, related_name="project_links"
    )
    position = models.PositiveSmallIntegerField("順序", default=1)

    history = HistoricalRecords(bases=[ChangeAttribution], verbose_name="KPI の結び付きの履歴")

    class Meta:
        verbose_name = "KPI の結び付き"
        verbose_name_plural = "KPI の結び付き"
        ordering = ["project", "position"]
        constraints = [
            models.UniqueConstraint(fields=["project", "kpi"], name="project_kpi_unique"),
            models.UniqueConstraint(
                fields=["project", "position"], name="project_kpi_unique_position"
            ),
            models.CheckConstraint(
                condition=Q(position__gte=1), name="project_kpi_position_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} / {self.kpi}"

    def clean(self) -> None:
        if self.project_id and self.kpi_id and self.project.edition_id != self.kpi.edition_id:
            raise ValidationError("KPI とプロジェクトは同じ版のものでなければなりません。")
