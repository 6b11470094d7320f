"""Text is stored with LF line breaks whichever door it came in by; a line break in a name never
breaks the notification mail, and a mail that cannot be sent never loses a saved request."""

import logging
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

from plan.models import ChangeRequest, Project
from plan.workbook import export_workbook, workbook_import_preview
from tests.admin_forms import client_as, read_form
from tests.world import PlanWorld, build_plan_world

pytestmark = pytest.mark.django_db


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("the mail server went away")


@pytest.fixture
def world() -> PlanWorld:
    return build_plan_world()


def post_form(user, url, on_commit, **values):
    client = client_as(user)
    data = read_form(client.get(url).content.decode(), None)
    data.update(values)
    with on_commit(execute=True):
        return client.post(url, data)


def test_a_textarea_with_crlf_is_proposed_and_stored_with_lf(
    world, django_capture_on_commit_callbacks
):
    url = reverse("admin:plan_project_change", args=[world.project.pk])
    response = post_form(
        world.staff,
        url,
        django_capture_on_commit_callbacks,
        summary="一行目\r\n二行目",
        change_reason="理由\r\nその二",
    )
    assert response.status_code == 302
    change_request = ChangeRequest.objects.get(submitted_by=world.staff)
    assert change_request.reason == "理由\nその二"
    assert change_request.items.get().proposed == {"summary": "一行目\n二行目"}

    response = post_form(
        world.coordinator, url, django_capture_on_commit_callbacks, summary="三行目\r\n四行目"
    )
    assert response.status_code == 302
    assert Project.objects.get(pk=world.project.pk).summary == "三行目\n四行目"


def test_reimporting_an_export_of_text_saved_in_the_admin_changes_nothing(
    world, django_capture_on_commit_callbacks
):
    project = world.project
    url = reverse("admin:plan_project_change", args=[project.pk])
    post_form(
        world.coordinator, url, django_capture_on_commit_callbacks, summary="一行目\r\n二行目"
    )
    result = workbook_import_preview(
        acting_user=world.coordinator,
        edition=project.edition,
        file=export_workbook(Project.objects.filter(edition=project.edition)),
    )
    assert (result.errors, result.change_count) == ([], 0)


def test_a_kpi_indicator_with_a_line_break_is_mailed_with_a_one_line_subject(
    world, django_capture_on_commit_callbacks
):
    kpi = world.kpi
    response = post_form(
        world.staff,
        reverse("admin:kpis_kpi_change", args=[kpi.pk]),
        django_capture_on_commit_callbacks,
        indicator="市内再エネ\r\n導入量",
        change_reason="表記の修正",
    )
    assert response.status_code == 302
    change_request = ChangeRequest.objects.get(submitted_by=world.staff)
    assert [message.subject for message in mail.outbox] == [
        f"[環境基本計画] 変更申請 #{change_request.pk}: KPI「市内再エネ 導入量」"
    ]


def test_a_mail_failure_never_loses_the_saved_request(
    world, settings, caplog, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.changes.test_line_breaks_and_mail.FailingBackend"
    url = reverse("admin:plan_project_change", args=[world.project.pk])
    with caplog.at_level(logging.ERROR, logger="plan.changes.notifications"):
        response = post_form(
            world.staff,
            url,
            django_capture_on_commit_callbacks,
            summary="捕獲を行う。",
            change_reason="内容の更新",
        )
    assert response.status_code == 302
    change_request = ChangeRequest.objects.get(submitted_by=world.staff)
    assert (change_request.status, change_request.items.get().proposed) == (
        "pending",
        {"summary": "捕獲を行う。"},
    )
    assert [record.getMessage() for record in caplog.records] == [
        f"Could not send the notify_submitted mail of change request #{change_request.pk}"
    ]
