"""Uploaded workbooks waiting between the import's preview and its confirmation."""

from django.conf import settings
from django.db import models

from plan.models.structure import Edition


class WorkbookUpload(models.Model):
    """取込内容の確認と確定の間、アップロードされたブックを置いておく場所。

    データベースに置くので、複数のサーバーで動かしても確定の要求がどのサーバーに届いてもよい
    (django-import-export の既定の一時フォルダはサーバー一台分)。確定または取消で消し、
    一日より古いものは次のアップロードのときに消す。
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
