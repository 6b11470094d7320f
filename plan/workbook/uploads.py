"""Uploads waiting for confirmation (WorkbookUpload): the import's steps as services, so the admin's
views only translate requests and responses.

upload → ``workbook_upload_preview`` (read, compare, and keep the file if it would change something)
→ ``workbook_upload_apply`` or ``workbook_upload_cancel``. Waiting uploads do not pile up: those older
than a day are removed, and a user keeps at most ``MAX_WAITING_UPLOADS`` (a new one replaces the oldest).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from plan.models import ChangeRequest, Edition, WorkbookUpload
from plan.workbook.columns import DEFAULT_MAX_BYTES
from plan.workbook.container import read_source
from plan.workbook.imports import ImportPreview, workbook_import_apply, workbook_import_preview

#: How long an upload waits for confirmation, and how many one user may keep waiting.
UPLOAD_LIFETIME = datetime.timedelta(days=1)
MAX_WAITING_UPLOADS = 3
#: The longest 「変更理由」 an upload keeps (the form refuses a longer one).
MAX_REASON_LENGTH = 2000


@dataclass
class UploadPreview:
    """What importing an uploaded file would do, and the stored upload to confirm (None if there
    is nothing to confirm: errors, or no changes)."""

    result: ImportPreview
    upload: WorkbookUpload | None
    file_name: str


def workbook_upload_expire(*, now: datetime.datetime | None = None) -> int:
    """Remove the uploads older than ``UPLOAD_LIFETIME``; how many were removed."""
    cutoff = (now or timezone.now()) - UPLOAD_LIFETIME
    deleted, _by_model = WorkbookUpload.objects.filter(uploaded_at__lt=cutoff).delete()
    return deleted


@transaction.atomic
def workbook_upload_create(
    *, acting_user, edition: Edition, file_name: str, content: bytes, reason: str = ""
) -> WorkbookUpload:
    """Keep a file until it is confirmed: expire old uploads, and keep the user's newest
    ``MAX_WAITING_UPLOADS`` (this one included)."""
    workbook_upload_expire()
    upload = WorkbookUpload.objects.create(
        uploaded_by=acting_user,
        edition=edition,
        file_name=file_name[:255],
        content=content,
        reason=reason[:MAX_REASON_LENGTH],
    )
    kept = (
        WorkbookUpload.objects.filter(uploaded_by=acting_user)
        .order_by("-uploaded_at", "-pk")
        .values_list("pk", flat=True)[:MAX_WAITING_UPLOADS]
    )
    WorkbookUpload.objects.filter(uploaded_by=acting_user).exclude(pk__in=list(kept)).delete()
    return upload


def workbook_upload_preview(
    *,
    acting_user,
    edition: Edition,
    file,
    file_name: str,
    reason: str = "",
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> UploadPreview:
    """Read an uploaded file and say what importing it would change; keep it for confirmation when
    it is clean and changes something, with the 「変更理由」 typed at upload (at most
    ``MAX_REASON_LENGTH`` characters). Raises ``WorkbookRejected`` for a file that cannot be read."""
    content = read_source(file, max_bytes)
    result = workbook_import_preview(acting_user=acting_user, edition=edition, file=content)
    upload = None
    if not result.errors and result.change_count:
        upload = workbook_upload_create(
            acting_user=acting_user,
            edition=edition,
            file_name=file_name,
            content=content,
            reason=reason,
        )
    return UploadPreview(result=result, upload=upload, file_name=file_name)


def workbook_upload_review(*, acting_user, upload: WorkbookUpload) -> UploadPreview:
    """The preview of a waiting upload again (e.g. another page of its changes)."""
    result = workbook_import_preview(
        acting_user=acting_user, edition=upload.edition, file=bytes(upload.content)
    )
    return UploadPreview(result=result, upload=upload, file_name=upload.file_name)


def workbook_upload_apply(*, acting_user, upload: WorkbookUpload) -> ChangeRequest | None:
    """Import a waiting upload (all or nothing, see ``workbook_import_apply``) and remove it.
    Raises ``ImportRefused`` (the upload is kept) if the records changed since the preview."""
    with transaction.atomic():
        change_request = workbook_import_apply(
            acting_user=acting_user,
            edition=upload.edition,
            file=bytes(upload.content),
            file_name=upload.file_name,
            reason=upload.reason,
        )
        upload.delete()
    return change_request


def workbook_upload_cancel(*, acting_user, upload: WorkbookUpload) -> None:
    """Drop a waiting upload without importing anything."""
    upload.delete()
