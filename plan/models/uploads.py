"""Uploaded workbooks waiting between the import's preview and its confirmation."""

from django.conf import settings
from django.db import models

from plan.models.structure import Edition


class WorkbookUpload(models.Model):
    """Where an uploaded workbook waits between the import's 「取込内容の確認」 and its confirmation.

    It lives in the database, so with several servers the confirmation may reach any of them
    (django-import-export's default temporary folder belongs to one server). Deleted on
    confirmation or cancellation; those older than a day are deleted on the next upload.
    """

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="アップロードした人", on_delete=models.CASCADE
    )
    edition = models.ForeignKey(Edition, verbose_name="版", on_delete=models.CASCADE)
    file_name = models.CharField("ファイル名", max_length=255)
    reason = models.TextField("変更理由", blank=True)
    content = models.BinaryField("内容")
    uploaded_at = models.DateTimeField("アップロード日時", auto_now_add=True)

    class Meta:
        verbose_name = "取込中のブック"
        verbose_name_plural = "取込中のブック"

    def __str__(self) -> str:
        return self.file_name
