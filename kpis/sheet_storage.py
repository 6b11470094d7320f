"""Where django-import-export keeps an uploaded 「実績値」 sheet between the 下見 and the
confirmation: the database (``SheetUpload``), not a server's temporary folder.

Production runs several stateless app servers behind a proxy: the upload and its confirmation may
reach different servers, and a file in one server's /tmp would be 「有効期限切れ」 on the other.
The confirmation form carries the upload's name; a name that is not one of ours (forged, already
confirmed, or expired) reads as missing (``FileNotFoundError``), which the admin shows as expired.
"""

from __future__ import annotations

import re
from datetime import timedelta
from uuid import uuid4

from django.utils import timezone
from import_export.tmp_storages import BaseStorage

from kpis.models import SheetUpload

#: An upload not confirmed within this time is deleted on the next upload.
SHEET_UPLOAD_LIFETIME = timedelta(days=1)
_NAME = re.compile(r"[0-9a-f]{32}")


class DatabaseUploadStorage(BaseStorage):
    """django-import-export's temporary storage, in ``kpis.SheetUpload`` (see the module)."""

    def save(self, data: bytes) -> None:
        SheetUpload.objects.filter(uploaded_at__lt=timezone.now() - SHEET_UPLOAD_LIFETIME).delete()
        self.name = uuid4().hex
        SheetUpload.objects.create(name=self.name, content=bytes(data))

    def read(self) -> bytes:
        content = (
            SheetUpload.objects.filter(name=self.name).values_list("content", flat=True).first()
            if isinstance(self.name, str) and _NAME.fullmatch(self.name)
            else None
        )
        if content is None:
            raise FileNotFoundError(self.name)
        return bytes(content)

    def remove(self) -> None:
        SheetUpload.objects.filter(name=self.name).delete()
