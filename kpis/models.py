"""KPIs (事業目標) and their baseline and target values.

- A KPI may be shared by several projects (「市内再エネ導入量」 by 7). A shared KPI is one
  record, and a change to it reaches every project.
- Cells numbered ①②③ are separate KPIs; their order within a project is ProjectKpi.position.
- Baseline and target values are kept both as the published text and structured (number, unit,
  qualifier, fiscal year). A cell of prose such as 「前年度並み」 leaves the structured fields
  empty and keeps only the text.
"""

from dataclasses import dataclass
from decimal import Decimal
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
        """Search the KPI code and the 「事業目標」 wording, full-/half-width and hiragana/katakana
        alike; terms are ANDed."""
        queryset = self
        for term in search_terms(query):
            queryset = queryset.filter(search_text__contains=term)
        return queryset

    def for_bureaus(self, bureau_ids) -> "KpiQuerySet":
        """KPIs linked to a project of (any of) these bureaus (shared KPIs included)."""
        return self.filter(
            pk__in=ProjectKpi.objects.filter(project__bureau_links__bureau__in=bureau_ids).values(
                "kpi"
            )
        )


class Kpi(models.Model):
    # No index of its own: the unique (edition, code) index serves every lookup by edition and
    # covers the list's sort (edition, code, id), as for Project.edition.
    edition = models.ForeignKey(
        "plan.Edition",
        verbose_name="版",
        on_delete=models.CASCADE,
        related_name="kpis",
        db_index=False,
    )
    code = models.CharField(
        "KPI コード", max_length=20, help_text="版の中で一意な識別子 (例: K001)。"
    )
    indicator = cell_text_field("事業目標 (指標)")
    predecessor = models.ForeignKey(
        "self",
        verbose_name="前の版の同じ KPI",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="successors",
        help_text="次の版を作るときに結ばれる (KPI コードも受け継ぐ)。",
    )
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
        """The published text of the baseline or target value (empty if none). No query when
        ``values`` are prefetched."""
        return next((value.text for value in self.values.all() if value.kind == kind), "")


class ValueKind(models.TextChoices):
    BASELINE = "baseline", "基準値"
    TARGET = "target", "目標値"


class Qualifier(models.TextChoices):
    """A qualifier of the number. ▲ and 「〜減」 both mean a reduction (REDUCTION)."""

    NONE = "", "なし"
    AT_LEAST = "以上", "以上"
    AT_MOST = "以下", "以下"
    WITHIN = "以内", "以内"
    MAXIMUM = "最大", "最大"
    ABOUT = "約", "約"
    AROUND = "程度", "程度"
    REDUCTION = "▲", "▲ (削減)"


class Period(models.TextChoices):
    """What the fiscal year means. RANGE, CUMULATIVE and AVERAGE have a range (fiscal_year to
    fiscal_year_end)."""

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


def value_part_fields() -> tuple[models.Field, ...]:
    """The structured parts of a value (every part of ``VALUE_PARTS`` but its text), as new fields:
    a baseline, a target and an actual hold the same parts, with the same rules."""
    return (
        models.DecimalField("数値", max_digits=16, decimal_places=4, null=True, blank=True),
        models.CharField("単位", max_length=30, blank=True),
        models.CharField("修飾語", max_length=4, choices=Qualifier.choices, blank=True),
        models.PositiveSmallIntegerField("年度 (開始)", null=True, blank=True),
        models.PositiveSmallIntegerField("年度 (終了)", null=True, blank=True),
        models.CharField("年度の意味", max_length=20, choices=Period.choices, blank=True),
    )


def value_part_constraints(prefix: str) -> list[models.BaseConstraint]:
    """The database's rules for a value's parts, named ``<prefix>_...`` (see ``value_part_fields``)."""
    return [
        models.CheckConstraint(
            condition=Q(qualifier__in=Qualifier.values), name=f"{prefix}_qualifier_valid"
        ),
        models.CheckConstraint(
            condition=Q(period__in=Period.values), name=f"{prefix}_period_valid"
        ),
        models.CheckConstraint(condition=~Q(text=""), name=f"{prefix}_text_not_empty"),
        models.CheckConstraint(condition=fits_a_cell("text"), name=f"{prefix}_text_fits_a_cell"),
        models.CheckConstraint(
            condition=Q(value__isnull=False) | Q(unit="", qualifier=""),
            name=f"{prefix}_unit_needs_value",
        ),
        models.CheckConstraint(
            condition=Q(fiscal_year__isnull=True) | Q(fiscal_year__gte=1926, fiscal_year__lte=2200),
            name=f"{prefix}_fiscal_year_range",
        ),
        models.CheckConstraint(
            condition=Q(fiscal_year__isnull=False, period__in=Period.values[1:])
            | Q(fiscal_year__isnull=True, period=""),
            name=f"{prefix}_period_with_year",
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
            name=f"{prefix}_range_ordered",
        ),
    ]


class ValuePartsMixin:
    """The rules and the label of a value's parts, shared by baselines, targets and actuals."""

    value: Decimal | None
    unit: str
    qualifier: str
    fiscal_year: int | None
    fiscal_year_end: int | None
    period: str

    def clean_value_parts(self) -> None:
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


class KpiValue(ValuePartsMixin, models.Model):
    """A KPI's baseline or target value: the published text and the structured value."""

    kpi = models.ForeignKey(
        Kpi, verbose_name="KPI", on_delete=models.CASCADE, related_name="values"
    )
    kind = models.CharField("種別", max_length=10, choices=ValueKind.choices)
    text = cell_text_field(
        "公表表記", help_text="公表資料のとおりの表記 (例: 「436MW (R2年度)」)。"
    )
    value, unit, qualifier, fiscal_year, fiscal_year_end, period = value_part_fields()

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
            *value_part_constraints("kpi_value"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text}"

    def clean(self) -> None:
        self.clean_value_parts()


class ActualStatus(models.TextChoices):
    """How final a reported figure is: a 「速報値」 may still be revised, a 「確定値」 is final."""

    PRELIMINARY = "preliminary", "速報値"
    FINAL = "final", "確定値"


class KpiActual(ValuePartsMixin, models.Model):
    """A KPI's 「実績値」 for one fiscal year, as the bureau reported it, with its structured parts.

    A shared KPI has one series, whichever of its projects it is read from. The series of a KPI
    follows it across editions: it is every actual of a KPI with the same code in the same plan
    (the code is a KPI's identity from edition to edition), so an actual stays attached to the KPI
    of the edition it was reported under and is never copied. ``year`` is the fiscal year the
    figure is for; the parts' own ``fiscal_year``/``period`` say what the text itself states, for
    a figure reported as a range or a running total (「R6-R7年度累計」).

    Actuals are yearly records, not the edition's text: publishing an edition does not freeze them.
    """

    kpi = models.ForeignKey(
        Kpi, verbose_name="KPI", on_delete=models.PROTECT, related_name="actuals"
    )
    year = models.PositiveSmallIntegerField(
        "実績年度", help_text="この実績値が示す年度 (西暦の年度。例: 2024 = 令和6年度)。"
    )
    text = cell_text_field("表記", help_text="報告のとおりの表記 (例: 「512MW」「前年度並み」)。")
    value, unit, qualifier, fiscal_year, fiscal_year_end, period = value_part_fields()
    status = models.CharField(
        "確定状況", max_length=12, choices=ActualStatus.choices, default=ActualStatus.PRELIMINARY
    )
    note = cell_text_field("出典・備考", blank=True)
    entered_by = models.ForeignKey(
        "accounts.User",
        verbose_name="入力者",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords(bases=[ChangeAttribution], verbose_name="実績値の履歴")

    class Meta:
        verbose_name = "実績値"
        verbose_name_plural = "実績値"
        ordering = ["kpi", "year"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "year"], name="kpi_actual_unique_year"),
            models.CheckConstraint(
                condition=Q(status__in=ActualStatus.values), name="kpi_actual_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=1926, year__lte=2200), name="kpi_actual_year_range"
            ),
            *value_part_constraints("kpi_actual"),
        ]

    def __str__(self) -> str:
        return f"{format_fiscal_year(self.year)}の実績値: {self.text}"

    def clean(self) -> None:
        self.clean_value_parts()


class ProjectKpi(models.Model):
    """A link between a project and a KPI; ``position`` is the published ①②③ order."""

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


class SheetUpload(models.Model):
    """An uploaded 「実績値」 sheet waiting between its 「取込内容の確認」 and the confirmation
    (django-import-export's temporary storage, ``kpis.sheet_storage.DatabaseUploadStorage``).

    It lives in the database, so that with several app servers the confirmation may reach any of
    them (django-import-export's default temporary folder belongs to one server). Its name is a
    random token that only the uploader's confirmation form carries. Deleted on confirmation;
    those older than ``SHEET_UPLOAD_LIFETIME`` are deleted on the next upload.
    """

    name = models.CharField("名前", max_length=32, unique=True)
    content = models.BinaryField("内容")
    uploaded_at = models.DateTimeField("アップロード日時", auto_now_add=True)

    class Meta:
        verbose_name = "取込中の実績値シート"
        verbose_name_plural = "取込中の実績値シート"

    def __str__(self) -> str:
        return self.name
