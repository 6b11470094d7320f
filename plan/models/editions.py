"""What a coordinator decided about an edition before publishing it (「公表前チェックの確認」)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from plan.models.structure import Edition


class FindingAcknowledgement(models.Model):
    """The record that a coordinator (「取りまとめ担当」) marked a 「公表前チェック」 finding
    「確認済み」, with a reason.

    A finding is identified by (the check's code, the record's kind, the record's pk). A finding
    marked 「確認済み」 does not stop publishing.
    """

    edition = models.ForeignKey(
        Edition, verbose_name="版", on_delete=models.CASCADE, related_name="acknowledgements"
    )
    code = models.CharField("チェック", max_length=40)
    model_label = models.CharField("レコードの種類", max_length=40, blank=True)
    object_pk = models.PositiveBigIntegerField(
        "レコードの番号", default=0, help_text="版そのものについての指摘は 0。"
    )
    message = models.TextField("指摘")
    reason = models.TextField("確認の理由")
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="確認した人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField("確認日時")

    class Meta:
        verbose_name = "公表前チェックの確認"
        verbose_name_plural = "公表前チェックの確認"
        ordering = ["edition", "code", "object_pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "code", "model_label", "object_pk"],
                name="acknowledgement_unique_finding",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="acknowledgement_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.edition.title}: {self.message}"

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.code, self.model_label, self.object_pk)
