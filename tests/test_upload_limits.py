"""Request bodies over the upload limit are refused while they arrive, not after being read whole:
a request announcing more than the limit is refused before its body is read, and a file that turns
out larger than the workbook limit stops being read one chunk past the limit. Nothing is stored,
and the answer is 413 with a Japanese message."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from accounts.models import Role
from plan.models import ChangeRequest, WorkbookUpload
from plan.workbook import DEFAULT_MAX_BYTES, MEGABYTE
from tests.admin_forms import client_as
from tests.factories import EditionFactory, UserFactory

pytestmark = pytest.mark.django_db

TOO_LARGE = "ファイルが大きすぎます (上限 20 MB)。"


@pytest.fixture
def coordinator():
    return UserFactory(username="coordinator", role=Role.COORDINATOR)


@pytest.fixture
def temporary_uploads(settings, tmp_path):
    """Where Django would spill an upload to disk: it must be empty afterwards."""
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    return tmp_path


def unread_bytes(response) -> int:
    return len(response.wsgi_request.environ["wsgi.input"])


def test_a_file_over_the_workbook_limit_stops_being_read_and_is_not_stored(
    coordinator, temporary_uploads
):
    edition = EditionFactory()
    response = client_as(coordinator).post(
        reverse("admin:plan_project_import"),
        {
            "edition": edition.pk,
            # 21 MB: over the workbook limit, but a request short enough to be read until then
            "workbook": SimpleUploadedFile("大きい.xlsx", b"\0" * (DEFAULT_MAX_BYTES + MEGABYTE)),
        },
    )
    assert response.status_code == 413
    assert TOO_LARGE in response.content.decode()
    # Reading stopped one chunk (64 KB) past the limit: most of the last megabyte was never read.
    assert unread_bytes(response) > MEGABYTE - 128 * 1024
    assert list(temporary_uploads.iterdir()) == []
    assert not WorkbookUpload.objects.exists()
    assert not ChangeRequest.objects.exists()


def test_a_request_announcing_more_than_the_limit_is_refused_before_reading_its_body(
    coordinator, temporary_uploads
):
    edition = EditionFactory()
    body = encode_multipart(
        BOUNDARY,
        {
            "edition": str(edition.pk),
            "workbook": SimpleUploadedFile("大きい.xlsx", b"\0" * (30 * MEGABYTE)),
        },
    )
    response = client_as(coordinator).generic(
        "POST",
        reverse("admin:plan_project_import"),
        body,
        content_type=MULTIPART_CONTENT,
    )
    assert response.status_code == 413
    assert TOO_LARGE in response.content.decode()
    assert unread_bytes(response) == len(body)
    assert list(temporary_uploads.iterdir()) == []
    assert not WorkbookUpload.objects.exists()


def test_a_workbook_at_the_limit_still_reaches_the_import(coordinator):
    edition = EditionFactory()
    response = client_as(coordinator).post(
        reverse("admin:plan_project_import"),
        {
            "edition": edition.pk,
            "workbook": SimpleUploadedFile("ちょうど.xlsx", b"\0" * DEFAULT_MAX_BYTES),
        },
    )
    assert response.status_code == 200
    assert "Excel ブック (.xlsx) ではありません" in response.content.decode()


def test_upload_limits_are_explicit():
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    assert settings.FILE_UPLOAD_HANDLERS[0] == "config.uploads.UploadLimitHandler"
