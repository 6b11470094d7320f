"""The extra columns of every historical table: which change request, who proposed, who approved.

The change engine fills them in (plan.changes.history).
"""

from django.conf import settings
from django.db import models


class ChangeAttribution(models.Model):
    """Extra columns of every historical table."""

    change_request = models.ForeignKey(
        "plan.ChangeRequest",
        verbose_name="変更申請",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申請者",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承認者",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True
