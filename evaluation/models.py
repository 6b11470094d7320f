"""The evaluation round (「進捗評価」) and its sheets (「個別プロジェクト評価票」).

- 照会 (EvaluationRound): a coordinator asks every bureau for one fiscal year's results of an
  edition's projects (「令和6年度実績」) by a deadline. One round per edition and fiscal year. A
  closed round is read-only for everyone.
- 評価票 (EvaluationSheet): one per project of the edition (a project listed under several measures
  is one record, so it has one sheet). The bureau writes 「取組内容と成果」, 「自己評価」 (A–D) and
  「課題と今後の方向性」 and proposes its KPIs' actuals; the coordinator returns it or confirms it
  with a final grade. ``version`` counts every write: a form carries the version it showed.
- The sheet's KPI actuals are never stored here: the official figures are ``kpis.KpiActual``
  records (one per KPI and year, shared by every project of the KPI). What the bureau typed and has
  not yet submitted is held in ``draft_actuals``; on submission it becomes one change request
  (``change_request``), applied when the sheet is confirmed.
- 経過 (SheetEvent): the visible thread of submissions, returns and confirmations.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from evaluation.states import EventKind, Grade, RoundStatus, SheetState
from plan.eras import era_year_label


class EvaluationRound(models.Model):
    edition = models.ForeignKey(
        "plan.Edition", verbose_name="版", on_delete=models.PROTECT, related_name="rounds"
    )
    fiscal_year = models.PositiveSmallIntegerField(
        "実績年度", help_text="評価する実績の年度 (西暦。2024 = 令和6年度)。"
    )
    deadline = models.DateField("提出期限")
    status = models.CharField(
        "状態", max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="開始した人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    opened_at = models.DateTimeField("開始日時")
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="締め切った人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField("締切日時", null=True, blank=True)

    history = HistoricalRecords(verbose_name="評価の照会の履歴")

    class Meta:
        verbose_name = "評価の照会"
        verbose_name_plural = "評価の照会"
        ordering = ["-fiscal_year", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "fiscal_year"], name="evaluation_round_unique_year"
            ),
            models.CheckConstraint(
                condition=Q(status__in=RoundStatus.values), name="evaluation_round_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(fiscal_year__gte=1989, fiscal_year__lte=2200),
                name="evaluation_round_fiscal_year_range",
            ),
            models.CheckConstraint(
                condition=~Q(status=RoundStatus.CLOSED)
                | Q(closed_by__isnull=False, closed_at__isnull=False),
                name="evaluation_round_closing_recorded",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        """「令和6年度実績」."""
        return f"{era_year_label(self.fiscal_year)}年度実績"

    @property
    def is_open(self) -> bool:
        return self.status == RoundStatus.OPEN


class EvaluationSheetQuerySet(models.QuerySet["EvaluationSheet"]):
    def for_bureaus(self, bureau_ids) -> "EvaluationSheetQuerySet":
        """The sheets of the projects that one of the bureaus owns (共管 included)."""
        from plan.models import ProjectBureau

        return self.filter(
            project__in=ProjectBureau.objects.filter(bureau__in=bureau_ids).values("project")
        )


def _text(verbose_name: str, help_text: str = "") -> models.TextField:
    return models.TextField(verbose_name, blank=True, max_length=10_000, help_text=help_text)


class EvaluationSheet(models.Model):
    round = models.ForeignKey(
        EvaluationRound, verbose_name="評価の照会", on_delete=models.CASCADE, related_name="sheets"
    )
    project = models.ForeignKey(
        "plan.Project",
        verbose_name="個別プロジェクト",
        on_delete=models.PROTECT,
        related_name="evaluation_sheets",
    )
    state = models.CharField(
        "状態", max_length=12, choices=SheetState.choices, default=SheetState.NOT_STARTED
    )
    achievements = _text("取組内容と成果", "その年度に行った取組と、その成果。")
    self_assessment = models.CharField("自己評価", max_length=1, choices=Grade.choices, blank=True)
    issues = _text("課題と今後の方向性")
    draft_actuals = models.JSONField(
        "提出前の実績値",
        default=dict,
        blank=True,
        help_text="KPI ごとの、まだ提出していない実績値 (提出すると変更申請になる)。",
    )
    final_grade = models.CharField("最終評価", max_length=1, choices=Grade.choices, blank=True)
    return_comment = _text("差し戻しのコメント")
    version = models.PositiveIntegerField(
        "版数", default=1, help_text="保存・提出・差し戻し・確定のたびに一つ増える。"
    )
    change_request = models.ForeignKey(
        "plan.ChangeRequest",
        verbose_name="実績値の変更申請",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evaluation_sheets",
    )
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="最後に保存した人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提出者",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField("提出日時", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="確定した人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField("確定日時", null=True, blank=True)

    objects = EvaluationSheetQuerySet.as_manager()

    history = HistoricalRecords(verbose_name="評価票の履歴", excluded_fields=["draft_actuals"])

    class Meta:
        verbose_name = "評価票"
        verbose_name_plural = "評価票"
        ordering = ["round", "project__code"]
        indexes = [
            # The sheets staff and viewers may read include every confirmed one
            # (permissions.evaluation_sheets_visible_to): with this index SQLite counts them
            # from the index, each term of that OR from its own, instead of reading every sheet.
            models.Index(fields=["state"], name="evaluation_sheet_state"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "project"], name="evaluation_sheet_unique_project"
            ),
            models.CheckConstraint(
                condition=Q(state__in=SheetState.values), name="evaluation_sheet_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(self_assessment__in=["", *Grade.values]),
                name="evaluation_sheet_self_assessment_valid",
            ),
            models.CheckConstraint(
                condition=Q(final_grade__in=["", *Grade.values]),
                name="evaluation_sheet_final_grade_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state=SheetState.CONFIRMED)
                | (Q(confirmed_at__isnull=False) & ~Q(final_grade="")),
                name="evaluation_sheet_confirmation_recorded",
            ),
            models.CheckConstraint(
                condition=~Q(state=SheetState.RETURNED) | ~Q(return_comment=""),
                name="evaluation_sheet_return_has_comment",
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="evaluation_sheet_version_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round.title} {self.project.name}"


class SheetEvent(models.Model):
    sheet = models.ForeignKey(
        EvaluationSheet, verbose_name="評価票", on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField("出来事", max_length=12, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="行った人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField("日時")
    comment = models.TextField("コメント", blank=True)

    class Meta:
        verbose_name = "評価票の経過"
        verbose_name_plural = "評価票の経過"
        ordering = ["sheet", "at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=EventKind.values), name="sheet_event_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.actor})"
