"""Request bodies over the upload limit are refused while they arrive, not after being read whole.

The only upload is the city's workbook (plan.workbook.DEFAULT_MAX_BYTES). ``UploadLimitHandler``
runs first among ``FILE_UPLOAD_HANDLERS``: it refuses a multipart request whose announced length
cannot be a workbook within the limit (before reading any of it), and otherwise counts the bytes of
every uploaded file as they are read and stops reading at the first byte past the limit (Django then
deletes the partly written file). The refusal is an
``UploadTooLarge`` (a ``RequestDataTooBig``: Django answers it through ``handler400``, which
``refused_request`` turns into 413 with a Japanese message). Ordinary form bodies are bounded by
Django's own ``DATA_UPLOAD_MAX_MEMORY_SIZE``. In production the proxy refuses earlier still
(``client_max_body_size``, see the README).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http.multipartparser import MultiPartParserError
from django.template.response import TemplateResponse
from django.views.defaults import bad_request

from plan.workbook import DEFAULT_MAX_BYTES, MEGABYTE

#: Room for the form's other fields and the multipart framing around the file.
FORM_OVERHEAD_BYTES = MEGABYTE


def request_body_limit() -> int:
    """The longest request body that can hold a workbook within the limit and an ordinary form."""
    return DEFAULT_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE + FORM_OVERHEAD_BYTES


class UploadTooLarge(RequestDataTooBig, MultiPartParserError):
    """An upload over the limit. (Also a ``MultiPartParserError``, so that Django marks the
    request's POST data as unreadable instead of trying to parse it again.)"""

    message = f"ファイルが大きすぎます (上限 {DEFAULT_MAX_BYTES // MEGABYTE} MB)。"

    def __init__(self) -> None:
        super().__init__(self.message)


class UploadLimitHandler(FileUploadHandler):
    """Counts uploaded bytes and refuses the request at the first byte past the limit."""

    def __init__(self, request=None) -> None:
        super().__init__(request)
        self.received = 0
        self.refused = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > request_body_limit():
            raise UploadTooLarge
        return None  # the parsing itself is left to Django

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > DEFAULT_MAX_BYTES:
            # Stop reading here; Django closes (and so deletes) the partly written file, then
            # calls upload_complete, which refuses the request.
            self.refused = True
            raise StopUpload(connection_reset=True)
        return raw_data  # on to the handlers that store it

    def file_complete(self, file_size: int) -> None:
        return None  # the next handlers make the file

    def upload_complete(self) -> None:
        if self.refused:
            raise UploadTooLarge


def refused_request(request, exception=None):
    """``handler400``: an upload over the limit is answered 413 with the reason in Japanese; every
    other bad request as Django answers it."""
    if isinstance(exception, UploadTooLarge):
        context = {
            **admin.site.each_context(request),
            "title": "ファイルが大きすぎます",
            "message": exception.message,
            "back_url": request.path,
        }
        return TemplateResponse(request, "upload_too_large.html", context, status=413).render()
    return bad_request(request, exception)
