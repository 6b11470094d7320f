"""The plan and its yearly editions: goals, measures, projects and their listings.

Structure: Plan (「計画」) → Edition (「版」, e.g. 「令和6年(2024年)版」) → PolicyGoal (「政策目標」:
「下支えする取り組み」, I–IV) → Measure (「基本施策」) ← Listing (「掲載」: the No. within the
measure) → Project (「個別プロジェクト」).

One project may be listed under several measures (「アジア・グリーン共創ハブ推進事業」 under 6).
The project is one record; its No. may differ per measure, so the Listing holds it.
"""

import functools
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Length
from django.db.models.lookups import LessThanOrEqual
from simple_history.models import HistoricalRecords

from plan.eras import format_edition_title
from plan.models.history import ChangeAttribution
from plan.search import search_terms, search_text_of

if TYPE_CHECKING:
    from accounts.models import Bureau

#: The most characters an Excel cell holds: text the workbook carries must fit, or the export cuts it.
CELL_TEXT_LIMIT = 32_767


def cell_text_field(verbose_name: str, **options) -> models.TextField:
    """A TextField the workbook carries: at most ``CELL_TEXT_LIMIT`` characters (form and model)."""
    return models.TextField(
        verbose_name,
        max_length=CELL_TEXT_LIMIT,
        validators=[
            MaxLengthValidator(
                CELL_TEXT_LIMIT,
                message=(
                    f"Excel のセルに入る {CELL_TEXT_LIMIT:,} 文字以内にしてください"
                    " (現在 %(show_value)s 文字)。"
                ),
            )
        ],
        **options,
    )


def fits_a_cell(field_name: str):
    """The database's check that ``field_name`` fits an Excel cell (for a CheckConstraint)."""
    return LessThanOrEqual(Length(field_name), CELL_TEXT_LIMIT)


class Plan(models.Model):
    """The 「環境基本計画」. The plan itself is a record, so that another city's plan fits the same
    structure."""

    name = models.CharField("計画名", max_length=200, unique=True)
    start_fiscal_year = models.PositiveSmallIntegerField("計画期間 (開始年度)")
    end_fiscal_year = models.PositiveSmallIntegerField("計画期間 (終了年度)")

    history = HistoricalRecords(bases=[ChangeAttribution], verbose_name="計画の履歴")

    class Meta:
        verbose_name = "計画"
        verbose_name_plural = "計画"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_fiscal_year__gte=models.F("start_fiscal_year")),
                name="plan_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EditionStatus(models.TextChoices):
    EDITING = "editing", "編集中"
    PUBLISHED = "published", "公表済"


class Edition(models.Model):
    """A yearly edition of the 「個別プロジェクト集」, revised each year from a copy of the
    previous one.

    Only an edition 「編集中」 can be changed. When a coordinator publishes it (「公表」), its
    content (goals, measures, listings, projects, their bureaus, KPIs, baselines, targets and the
    links between projects and KPIs) is frozen (accounts.permissions).
    """

    Status = EditionStatus

    plan = models.ForeignKey(
        Plan, verbose_name="計画", on_delete=models.PROTECT, related_name="editions"
    )
    fiscal_year = models.PositiveSmallIntegerField("年度")
    status = models.CharField(
        "状態", max_length=10, choices=Status.choices, default=Status.EDITING, editable=False
    )
    published_at = models.DateTimeField("公表日時", null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="公表した人",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )

    history = HistoricalRecords(bases=[ChangeAttribution], verbose_name="版の履歴")

    class Meta:
        verbose_name = "版"
        verbose_name_plural = "版"
        ordering = ["plan", "-fiscal_year"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "fiscal_year"], name="edition_unique_year"),
            models.CheckConstraint(
                condition=Q(fiscal_year__gte=1989, fiscal_year__lte=2200),
                name="edition_fiscal_year_range",
            ),
            models.CheckConstraint(
                condition=Q(status__in=EditionStatus.values), name="edition_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=EditionStatus.PUBLISHED, published_at__isnull=False)
                | Q(
                    status=EditionStatus.EDITING,
                    published_at__isnull=True,
                    published_by__isnull=True,
                ),
                name="edition_published_when_published",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.title}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def previous(self) -> "Edition | None":
        """The plan's edition before this one (None for the plan's first edition)."""
        return (
            Edition.objects.filter(plan_id=self.plan_id, fiscal_year__lt=self.fiscal_year)
            .order_by("-fiscal_year")
            .first()
        )

    @property
    def derives_new_marks(self) -> bool:
        """From the plan's second edition on, 「<新>」 is derived: a project is new when it has no
        predecessor. The plan's first edition keeps the marks as published. (One query, cached.)"""
        cached = self.__dict__.get("_derives_new_marks")
        if cached is None:
            cached = Edition.objects.filter(
                plan_id=self.plan_id, fiscal_year__lt=self.fiscal_year
            ).exists()
            self.__dict__["_derives_new_marks"] = cached
        return cached

    @property
    def title(self) -> str:
        """「令和6年(2024年)版」。"""
        return format_edition_title(self.fiscal_year)


class PolicyGoal(models.Model):
    """A 「政策目標」. ``code`` is I–IV, or empty for 「下支えする取り組み」 (the foundation)."""

    class Code(models.TextChoices):
        FOUNDATION = "", "(下支え)"
        I = "I", "I"  # noqa: E741
        II = "II", "II"
        III = "III", "III"
        IV = "IV", "IV"

    edition = models.ForeignKey(
        Edition, verbose_name="版", on_delete=models.CASCADE, related_name="goals"
    )
    code = models.CharField("番号", max_length=4, choices=Code.choices, blank=True)
    title = models.CharField("名称", max_length=200)
    tagline = models.CharField("副題", max_length=200, blank=True)
    display_order = models.PositiveSmallIntegerField("表示順")

    history = HistoricalRecords(bases=[ChangeAttribution], verbose_name="政策目標の履歴")

    class Meta:
        verbose_name = "政策目標"
        verbose_name_plural = "政策目標"
        ordering = ["edition", "display_order"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "code"], name="goal_unique_code"),
            models.UniqueConstraint(fields=["edition", "display_order"], name="goal_unique_order"),
            models.CheckConstraint(
                condition=Q(code__in=["", "I", "II", "III", "IV"]), name="goal_code_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """「政策目標I 脱炭素…」; the foundation is 「政策目標を下支えする取り組み」."""
        return f"政策目標{self.code} {self.title}" if self.code else self.title

    @property
    def short_label(self) -> str:
        return self.code or "下支え"


class Measure(models.Model):
    """A 「基本施策」: its number (1)–(5) within the 「政策目標」, name and description (one
    bullet per line)."""

    goal = models.ForeignKey(
        PolicyGoal, verbose_name="政策目標", on_delete=models.CASCADE, related_name="measures"
    )
    number = models.PositiveSmallIntegerField("番号")
    title = models.CharField("名称", max_length=200)
    description = cell_text_field("説明", blank=True, help_text="箇条書きの一項目を一行に書く。")

    history = HistoricalRecords(bases=[ChangeAttribution], verbose_name="基本施策の履歴")

    class Meta:
        verbose_name = "基本施策"
        verbose_name_plural = "基本施策"
        ordering = ["goal__edition", "goal__display_order", "number"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "number"], name="measure_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="measure_number_positive"),
            models.CheckConstraint(
                condition=fits_a_cell("description"), name="measure_description_fits_a_cell"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.goal.short_label}-({self.number}) {self.title}"

    @property
    def description_bullets(self) -> list[str]:
        return [line for line in self.description.splitlines() if line.strip()]


@functools.cache
def _list_annotations() -> dict[str, dict[str, object]]:
    """The expressions of ``with_kpi_count`` and ``with_list_order``, built once per process:
    ``annotate`` resolves a copy of each (the expressions and their subqueries are never changed),
    and building them (a dozen ``filter`` calls) cost a request about as much as compiling them."""
    from django.apps import apps

    links = apps.get_model("kpis", "ProjectKpi")._default_manager
    counted = (
        links.filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(count=Count("pk"))
        .values("count")
    )
    listings = Listing.objects.filter(project=OuterRef("pk")).order_by(
        "measure__goal__display_order", "measure__number", "number"
    )
    key = F("measure__goal__display_order") * 1_000_000 + F("measure__number") * 1_000
    first_bureau = ProjectBureau.objects.filter(project=OuterRef("pk")).order_by("position")
    return {
        "kpi_count": {"kpi_count": Coalesce(Subquery(counted), 0)},
        "list_order": {
            "goal_order": Subquery(listings.values("measure__goal__display_order")[:1]),
            "listing_order": Subquery(listings.annotate(key=key + F("number")).values("key")[:1]),
            "bureau_order": Subquery(first_bureau.values("bureau__display_order")[:1]),
        },
    }


class ProjectQuerySet(models.QuerySet["Project"]):
    def for_bureaus(self, bureau_ids) -> "ProjectQuerySet":
        """Projects for which (any of) these bureaus are responsible (「共管」 included)."""
        return self.filter(
            pk__in=ProjectBureau.objects.filter(bureau__in=bureau_ids).values("project")
        )

    def search(self, query: str) -> "ProjectQuerySet":
        """Search the project code, name, summary and KPIs (code and wording), full-/half-width and
        hiragana/katakana alike; terms are ANDed."""
        from django.apps import apps

        kpis = apps.get_model("kpis", "Kpi")._default_manager
        links = apps.get_model("kpis", "ProjectKpi")._default_manager
        queryset = self
        for term in search_terms(query):
            # The matching KPIs first, then their links: each KPI's text is matched once, not
            # once per project sharing it (on SQLite the join matched it per link).
            matching = kpis.filter(search_text__contains=term).values("pk")
            queryset = queryset.filter(
                Q(search_text__contains=term)
                | Q(pk__in=links.filter(kpi__in=matching).values("project"))
            )
        return queryset

    def with_kpi_count(self) -> "ProjectQuerySet":
        """Each project with ``kpi_count``, its KPI links, counted in a subquery (no GROUP BY over
        the project's columns, and a count of the list leaves it out)."""
        return self.annotate(**_list_annotations()["kpi_count"])

    def with_list_order(self) -> "ProjectQuerySet":
        """Keys to sort a list by: ``goal_order`` (the first listing's goal, as published),
        ``listing_order`` (its goal, measure and No) and ``bureau_order`` (the first bureau's place
        in the city's order). One subquery each, no join that repeats a project."""
        return self.annotate(**_list_annotations()["list_order"])


class Project(models.Model):
    """A 「個別プロジェクト」 (「事業/取組」): one record however many listings it has."""

    # No index of its own: the unique (edition, code) index serves every lookup by edition, and
    # covers the list's sort (edition, code, id), which SQLite otherwise reads from the table's
    # wide rows through the edition index (docs/performance.md, "The project list's sort").
    edition = models.ForeignKey(
        Edition,
        verbose_name="版",
        on_delete=models.CASCADE,
        related_name="projects",
        db_index=False,
    )
    code = models.CharField(
        "事業コード",
        max_length=20,
        help_text="版をまたいで同じ事業を指す識別子 (例: P001)。Excel の取込はこの列で行を照合する。",
    )
    name = models.CharField("事業/取組名", max_length=200)
    summary = cell_text_field("概要", blank=True)
    is_new = models.BooleanField(
        "新規 (<新>)",
        default=False,
        help_text="この版で新しく加わった事業。計画の二つ目の版からは、前の版に同じ事業がないことから決まる。",
    )
    predecessor = models.ForeignKey(
        "self",
        verbose_name="前の版の同じ事業",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="successors",
        help_text="次の版を作るときに結ばれる。実績・履歴・評価は、これをたどって年度をまたぐ。",
    )
    bureaus: "models.ManyToManyField[Bureau, ProjectBureau]" = models.ManyToManyField(
        "accounts.Bureau",
        through="ProjectBureau",
        verbose_name="所管局",
        related_name="projects",
    )
    search_text = models.TextField("検索用テキスト", blank=True, editable=False)

    objects = ProjectQuerySet.as_manager()

    history = HistoricalRecords(
        bases=[ChangeAttribution],
        verbose_name="個別プロジェクトの履歴",
        excluded_fields=["search_text"],
    )

    class Meta:
        verbose_name = "個別プロジェクト"
        verbose_name_plural = "個別プロジェクト"
        ordering = ["edition", "code"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "code"], name="project_unique_code"),
            models.UniqueConstraint(fields=["edition", "name"], name="project_unique_name"),
            models.CheckConstraint(condition=~Q(name=""), name="project_name_not_empty"),
            models.CheckConstraint(
                condition=fits_a_cell("summary"), name="project_summary_fits_a_cell"
            ),
        ]

    def __str__(self) -> str:
        return f"<新>{self.name}" if self.is_new else self.name

    def save(self, *args, **kwargs) -> None:
        self.search_text = search_text_of(self.code, self.name, self.summary)
        derived = ["search_text"]
        if self.edition_id and self.edition.derives_new_marks:
            self.is_new = self.predecessor_id is None
            derived.append("is_new")
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], *derived}
        super().save(*args, **kwargs)


class ProjectBureau(models.Model):
    """A project's 「所管局」; ``position`` keeps the published order
    (e.g. 「環境局 総務市民局 財政・変革局」)."""

    project = models.ForeignKey(
        Project,
        verbose_name="個別プロジェクト",
        on_delete=models.CASCADE,
        related_name="bureau_links",
    )
    bureau = models.ForeignKey(
        "accounts.Bureau",
        verbose_name="所管局",
        on_delete=models.PROTECT,
        related_name="project_links",
    )
    position = models.PositiveSmallIntegerField("順序", default=1)

    history = HistoricalRecords(bases=[ChangeAttribution], verbose_name="所管局の割り当ての履歴")

    class Meta:
        verbose_name = "所管局"
        verbose_name_plural = "所管局"
        ordering = ["project", "position"]
        constraints = [
            models.UniqueConstraint(fields=["project", "bureau"], name="project_bureau_unique"),
            models.UniqueConstraint(
                fields=["project", "position"], name="project_bureau_unique_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} / {self.bureau}"


class Listing(models.Model):
    """A listing under a 「基本施策」. The No. is the number within the measure, unique per
    measure."""

    measure = models.ForeignKey(
        Measure, verbose_name="基本施策", on_delete=models.CASCADE, related_name="listings"
    )
    project = models.ForeignKey(
        Project, verbose_name="個別プロジェクト", on_delete=models.CASCADE, related_name="listings"
    )
    number = models.PositiveSmallIntegerField("No")

    history = HistoricalRecords(bases=[ChangeAttribution], verbose_name="掲載の履歴")

    class Meta:
        verbose_name = "掲載"
        verbose_name_plural = "掲載"
        ordering = ["measure__goal__display_order", "measure__number", "number"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "number"], name="listing_unique_number"),
            models.UniqueConstraint(fields=["measure", "project"], name="listing_unique_project"),
            models.CheckConstraint(condition=Q(number__gte=1), name="listing_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.measure.goal.short_label}-({self.measure.number}) No{self.number} {self.project.name}"

    def clean(self) -> None:
        if (
            self.measure_id
            and self.project_id
            and self.measure.goal.edition_id != self.project.edition_id
        ):
            raise ValidationError(
                "掲載先の基本施策とプロジェクトは同じ版のものでなければなりません。"
            )
