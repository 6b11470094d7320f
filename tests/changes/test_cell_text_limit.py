"""Text the workbook carries fits an Excel cell (32,767 characters): in the model, the database,
the admin's forms and the import."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from plan.models import Project
from plan.workbook import LISTING_SHEET, export_workbook, workbook_import_preview
from tests.admin_forms import client_as, read_form
from tests.workbook_samples import column_of, edit_workbook
from tests.world import PlanWorld, build_plan_world

pytestmark = pytest.mark.django_db

LONG = "あ" * 40_000


@pytest.fixture
def world() -> PlanWorld:
    return build_plan_world()


def test_the_model_refuses_a_summary_longer_than_a_cell(world):
    project = world.project
    project.summary = LONG
    with pytest.raises(ValidationError) as error:
        project.full_clean()
    assert error.value.message_dict["summary"] == [
        "Excel のセルに入る 32,767 文字以内にしてください (現在 40000 文字)。"
    ]
    project.summary = "あ" * 32_767
    project.full_clean()


def test_the_database_refuses_a_summary_longer_than_a_cell(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=world.project.pk).update(summary=LONG)


def test_the_admin_form_refuses_a_summary_longer_than_a_cell(world):
    client = client_as(world.coordinator)
    url = reverse("admin:plan_project_change", args=[world.project.pk])
    data = read_form(client.get(url).content.decode(), "project_form")
    data["summary"] = LONG
    response = client.post(url, data)
    assert response.status_code == 200
    assert "32767 文字以下" in response.content.decode()
    assert Project.objects.get(pk=world.project.pk).summary == "有害鳥獣から市民を守る。"


def replace_in_parts(data: bytes, marker: str, text: str) -> bytes:
    """openpyxl cuts what it writes at 32,767 characters: put the long text in the XML itself."""
    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as output:
        for info in source.infolist():
            output.writestr(info, source.read(info).replace(marker.encode(), text.encode()))
    return target.getvalue()


def test_the_import_names_the_cell_that_is_too_long(world):
    project = world.project
    data = export_workbook(Project.objects.filter(edition=project.edition))

    def mark(workbook):
        sheet = workbook[LISTING_SHEET]
        code, summary = column_of(sheet, "事業コード"), column_of(sheet, "概要")
        for row in range(2, sheet.max_row + 1):
            if sheet.cell(row, code).value == project.code:
                sheet.cell(row, summary).value = "LONG-SUMMARY"

    result = workbook_import_preview(
        acting_user=world.coordinator,
        edition=project.edition,
        file=replace_in_parts(edit_workbook(data, mark), "LONG-SUMMARY", LONG),
    )
    assert [(e.sheet, e.row, e.column, e.message) for e in result.errors] == [
        (
            LISTING_SHEET,
            2,
            "概要",
            "40,000 文字あります。Excel のセルに入る 32,767 文字以内にしてください",
        )
    ]
    assert Project.objects.get(pk=project.pk).summary == "有害鳥獣から市民を守る。"
