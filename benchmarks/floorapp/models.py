"""The floor's flat model: a few plain columns, no relations, no history."""

from django.db import models


class FloorRow(models.Model):
    code = models.CharField("コード", max_length=20)
    name = models.CharField("名称", max_length=200)
    number = models.PositiveIntegerField("番号")

    class Meta:
        verbose_name = "床の行"
        verbose_name_plural = "床の行"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name
