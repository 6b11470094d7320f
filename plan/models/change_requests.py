"""Change requests (変更申請) and their items: proposed changes waiting for a coordinator."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from plan.models.structure import Edition, Project


class ChangeRequestQuerySet(models.QuerySet["ChangeRequest"]):
    def open(self) -> "ChangeRequestQuerySet":
        return self.filter(status__in=ChangeRequest.OPEN_STATUSES)


class ChangeRequest(models.Model):
    """A 「変更申請」: a save (or import) by 「所管局担当者」 reaches the official record only
    when a 「取りまとめ担当」 approves it.

    It holds the proposed values (ChangeItem) of every record one save touched, and the version
    each record was based on (its values when submitted). Approval applies it all at once, and
    not at all if any record changed after submission (no lost updates). A coordinator's own
    edit is kept in the same shape, as a 「直接反映」 request.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "審査待ち"
        RETURNED = "returned", "差し戻し"
        APPROVED = "approved", "承認・反映済み"
        APPLIED_DIRECTLY = "applied", "直接反映"
        REJECTED = "rejected", "却下"
        WITHDRAWN = "withdrawn", "取り下げ"

    OPEN_STATUSES = (Status.PENDING, Status.RETURNED)
    APPLIED_STATUSES = (Status.APPROVED, Status.APPLIED_DIRECTLY)

    class Source(models.TextChoices):
        ADMIN = "admin", "管理画面"
        IMPORT = "import", "Excel 取込"
        RESTORE = "restore", "過去の状態への復元"
        EVALUATION = "evaluation", "評価票"

    edition = models.ForeignKey(
        Edition,
        verbose_name="版",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="change_requests",
    )
    title = models.CharField("件名", max_length=300)
    project = models.ForeignKey(
        Project,
        verbose_name="個別プロジェクト",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="change_requests",
        help_text="申請の対象となる事業 (KPI だけの申請や新規事業の申請では空のことがある)。",
    )
    kpi = models.ForeignKey(
        "kpis.Kpi",
        verbose_name="KPI",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="change_requests",
    )
    bureaus = models.ManyToManyField(
        "accounts.Bureau", verbose_name="関係する所管局", blank=True, related_name="change_requests"
    )
    status = models.CharField("状態", max_length=10, choices=Status.choices, default=Status.PENDING)
    source = models.CharField("経路", max_length=10, choices=Source.choices, default=Source.ADMIN)
    source_name = models.CharField("取込ファイル名", max_length=255, blank=True)
    reason = models.TextField("変更理由")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申請者",
        on_delete=models.PROTECT,
        related_name="submitted_change_requests",
    )
    submitted_at = models.DateTimeField("申請日時")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="決定者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decided_change_requests",
    )
    decided_at = models.DateTimeField("決定日時", null=True, blank=True)
    decision_comment = models.TextField("決定のコメント (差し戻し・却下の理由)", blank=True)
    revision = models.PositiveIntegerField(
        "版数",
        default=1,
        help_text="申請・修正のたびに一つ増える。審査で表示した版と違えば決定しない。",
    )

    objects = ChangeRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "変更申請"
        verbose_name_plural = "変更申請"
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "pending",
                        "returned",
                        "approved",
                        "applied",
                        "rejected",
                        "withdrawn",
                    ]
                ),
                name="change_request_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "returned", "withdrawn"])
                | Q(decided_by__isnull=False, decided_at__isnull=False),
                name="change_request_decision_recorded",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(decision_comment=""),
                name="change_request_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(revision__gte=1), name="change_request_revision_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"変更申請 #{self.pk} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class ChangeItem(models.Model):
    """A change to one record within a change request (create, update or delete).

    ``base`` holds the official values when submitted (update, delete), ``proposed`` the
    proposed ones (every field on create, only the changed ones on update). A record that does
    not exist yet (a new project, its 「所管局」 links, ...) is named by ``key``, and other items'
    foreign keys point to it as {"ref": key}.
    """

    class Operation(models.TextChoices):
        CREATE = "create", "追加"
        UPDATE = "update", "変更"
        DELETE = "delete", "削除"

    change_request = models.ForeignKey(
        ChangeRequest, verbose_name="変更申請", on_delete=models.CASCADE, related_name="items"
    )
    position = models.PositiveSmallIntegerField("順序")
    model_label = models.CharField("種類", max_length=50)
    object_pk = models.BigIntegerField("対象の ID", null=True, blank=True)
    key = models.CharField("新規レコードの名前", max_length=30, blank=True)
    operation = models.CharField("操作", max_length=10, choices=Operation.choices)
    object_repr = models.CharField("対象", max_length=300)
    base = models.JSONField("申請時点の値", default=dict, blank=True)
    proposed = models.JSONField("提案値", default=dict, blank=True)

    class Meta:
        verbose_name = "変更の項目"
        verbose_name_plural = "変更の項目"
        ordering = ["change_request", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["change_request", "position"], name="change_item_unique_position"
            ),
            models.CheckConstraint(
                condition=Q(operation__in=["create", "update", "delete"]),
                name="change_item_operation_valid",
            ),
            models.CheckConstraint(
                condition=Q(operation="create", object_pk__isnull=True)
                | Q(~Q(operation="create"), object_pk__isnull=False),
                name="change_item_target_matches_operation",
            ),
        ]
        # The open requests about a record (change forms, conflicts) look items up by record.
        indexes = [
            models.Index(fields=["model_label", "object_pk"], name="change_item_record_lookup"),
        ]

    def __str__(self) -> str:
        return f"{self.get_operation_display()}: {self.object_repr}"


class ChangeRequestEventKind(models.TextChoices):
    SUBMITTED = "submitted", "申請"
    AMENDED = "amended", "修正して再申請"
    RETURNED = "returned", "差し戻し"
    REJECTED = "rejected", "却下"
    APPROVED = "approved", "承認・反映"
    WITHDRAWN = "withdrawn", "取り下げ"
    APPLIED_DIRECTLY = "applied", "直接反映"


class ChangeRequestEvent(models.Model):
    """One event in a change request's history: 「申請」, 「修正 (再申請)」, 「差し戻し」, 「却下」,
    「承認」, 「取り下げ」, 「直接反映」.

    A request keeps its whole history: a resubmitted request does not show the previous decider
    (「決定者」) and comment as the current ones.
    """

    Kind = ChangeRequestEventKind

    change_request = models.ForeignKey(
        ChangeRequest, verbose_name="変更申請", on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField("出来事", max_length=10, choices=ChangeRequestEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="行った人",
        on_delete=models.PROTECT,
        related_name="change_request_events",
    )
    at = models.DateTimeField("日時")
    revision = models.PositiveIntegerField("版数")
    comment = models.TextField("変更理由・コメント", blank=True)

    class Meta:
        verbose_name = "変更申請の経過"
        verbose_name_plural = "変更申請の経過"
        ordering = ["change_request", "at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ChangeRequestEventKind.values),
                name="change_request_event_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.change_request_id} {self.get_kind_display()} ({self.actor})"
