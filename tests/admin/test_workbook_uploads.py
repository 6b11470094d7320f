"""Uploads waiting for confirmation expire and are capped per user; a large import's preview is a
summary with pages of diffs, not every diff at once."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from plan.models import Project, WorkbookUpload
from plan.workbook import LISTING_SHEET, export_workbook
from plan.workbook.uploads import (
    MAX_WAITING_UPLOADS,
    workbook_upload_create,
    workbook_upload_expire,
)
from tests.admin_forms import client_as
from tests.factories import UserFactory
from tests.workbook_samples import column_of, edit_workbook

pytestmark = pytest.mark.django_db


def every_summary_edited() -> bytes:
    def edit(workbook):
        sheet = workbook[LISTING_SHEET]
        code, summary = column_of(sheet, "事業コード"), column_of(sheet, "概要")
        for row in range(2, sheet.max_row + 1):
            sheet.cell(row, summary).value = f"新しい概要 {sheet.cell(row, code).value}"

    return edit_workbook(export_workbook(Project.objects.all()), edit)


def upload(client, data: bytes, name: str = "全事業.xlsx"):
    return client.post(
        reverse("admin:plan_project_import"),
        {"edition": Project.objects.first().edition_id, "workbook": SimpleUploadedFile(name, data)},
    )


def test_a_user_keeps_at_most_three_waiting_uploads_the_newest(edition_2024):
    user = UserFactory(role=Role.COORDINATOR)
    other = UserFactory(role=Role.COORDINATOR)
    theirs = workbook_upload_create(
        acting_user=other, edition=edition_2024, file_name="other.xlsx", content=b"x"
    )
    uploads = [
        workbook_upload_create(
            acting_user=user, edition=edition_2024, file_name=f"{n}.xlsx", content=b"x"
        )
        for n in range(MAX_WAITING_UPLOADS + 2)
    ]

    waiting = WorkbookUpload.objects.filter(uploaded_by=user).order_by("pk")
    assert [upload.file_name for upload in waiting] == [
        upload.file_name for upload in uploads[-MAX_WAITING_UPLOADS:]
    ]
    assert MAX_WAITING_UPLOADS == 3
    assert WorkbookUpload.objects.filter(pk=theirs.pk).exists()


def test_uploads_older_than_a_day_expire(edition_2024):
    user = UserFactory(role=Role.COORDINATOR)
    old = workbook_upload_create(
        acting_user=user, edition=edition_2024, file_name="old.xlsx", content=b"x"
    )
    WorkbookUpload.objects.filter(pk=old.pk).update(
        uploaded_at=timezone.now() - datetime.timedelta(days=1, minutes=1)
    )
    recent = workbook_upload_create(
        acting_user=user, edition=edition_2024, file_name="new.xlsx", content=b"x"
    )

    assert list(WorkbookUpload.objects.all()) == [recent]
    assert workbook_upload_expire(now=timezone.now() + datetime.timedelta(days=2)) == 1


def test_uploading_through_the_admin_replaces_the_oldest_waiting_upload(edition_2024):
    client = client_as(UserFactory(role=Role.COORDINATOR))
    data = every_summary_edited()
    for n in range(4):
        assert upload(client, data, f"{n}.xlsx").status_code == 200

    assert sorted(WorkbookUpload.objects.values_list("file_name", flat=True)) == [
        "1.xlsx",
        "2.xlsx",
        "3.xlsx",
    ]


def test_a_large_preview_shows_a_summary_and_pages_of_fifty_changes(edition_2024):
    client = client_as(UserFactory(role=Role.COORDINATOR))
    response = upload(client, every_summary_edited())
    html = response.content.decode()

    assert response.status_code == 200
    assert "変更 90件" in html
    assert len(re.findall(r'class="module change-item"', html)) == 50
    waiting = WorkbookUpload.objects.get()
    next_page = reverse("admin:plan_project_import_review", args=[waiting.pk]) + "?page=2"
    assert next_page in html

    response = client.get(next_page)
    html = response.content.decode()
    assert response.status_code == 200
    assert len(re.findall(r'class="module change-item"', html)) == 40
    assert reverse("admin:plan_project_import_confirm", args=[waiting.pk]) in html


def test_another_users_waiting_upload_is_not_shown(edition_2024):
    owner = client_as(UserFactory(role=Role.COORDINATOR))
    upload(owner, every_summary_edited())
    waiting = WorkbookUpload.objects.get()

    response = client_as(UserFactory(role=Role.COORDINATOR)).get(
        reverse("admin:plan_project_import_review", args=[waiting.pk])
    )

    assert response.status_code == 404
