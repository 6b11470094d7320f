"""The rows of the 「履歴」 page and the audit log written in Python (plan/admin/history_html.py) are
what the template's loop wrote: compared with that loop, kept here as it was, on a project's
history (updates, a deletion, a change request, the people), restorable or not, with and without
the project (the audit log)."""

import pytest
from django.template import Context, Engine
from django.urls import reverse

from plan.admin.history import history_rows
from plan.admin.history_html import history_rows_html
from plan.models import Project
from tests.admin.test_history_rows import records  # noqa: F401 (the fixture)
from tests.admin_forms import client_as

pytestmark = pytest.mark.django_db

#: The loop of admin/plan/history.html before it was written in Python.
TEMPLATE_LOOP = (
    "{% for row in rows %}\n"
    "    <tr>\n"
    '      <td class="nowrap">{{ row.record.history_date|date:"Y-m-d H:i" }}</td>\n'
    '      <td class="nowrap">{{ row.type }}</td>\n'
    "      <td>{{ row.model_name }}「{{ row.object }}」</td>\n"
    "      <td>{% for field in row.fields %}{{ field.label }}: {{ field.change_html }}<br>{% endfor %}</td>\n"
    '      <td>{{ row.record.proposed_by|default:"—" }}</td>\n'
    '      <td>{{ row.record.approved_by|default:row.record.history_user|default:"—" }}</td>\n'
    "      <td>{% if row.record.change_request_id %}<a href=\"{% url 'admin:plan_changerequest_change' row.record.change_request_id %}\">#{{ row.record.change_request_id }}</a>{% else %}—{% endif %}</td>\n"
    '      {% if restorable %}<td>{% if object and row.is_project and row.record.history_type != "-" %}\n'
    '        <form method="post" action="{% url \'admin:plan_project_restore\' object.pk row.record.history_id %}" data-confirm="{{ row.record.history_date|date:\'Y-m-d H:i\' }} の状態に戻します (変更申請として記録されます)。よろしいですか?">{% csrf_token %}<input type="submit" value="この時点に戻す"></form>\n'
    "      {% endif %}</td>{% endif %}\n"
    "    </tr>\n"
    "  {% endfor %}"
)


def _templates(rows, project, restorable, csrf_token):
    template = Engine.get_default().from_string("{% load i18n %}" + TEMPLATE_LOOP)
    context = {"rows": rows, "object": project, "restorable": restorable, "csrf_token": csrf_token}
    return template.render(Context(context))


@pytest.mark.parametrize("restorable", [True, False])
@pytest.mark.parametrize("with_project", [True, False])
@pytest.mark.parametrize("csrf_token", ["tok<en>", "NOTPROVIDED", None])
def test_the_rows_are_the_templates(records, restorable, with_project, csrf_token):  # noqa: F811
    project = Project.objects.get(name="アジア・グリーン共創ハブ推進事業")
    rows = history_rows(records)
    project = project if with_project else None
    written = history_rows_html(rows, project=project, restorable=restorable, csrf_token=csrf_token)
    assert written == _templates(rows, project, restorable, csrf_token)
    assert written.count("<tr>") == len(rows) > 10
    assert "/admin/plan/changerequest/" in written
    assert ("この時点に戻す" in written) is (restorable and with_project)
    assert any(row["record"].history_type == "-" for row in rows)


def test_the_pages_show_the_rows(records, world):  # noqa: F811
    project = Project.objects.get(name="アジア・グリーン共創ハブ推進事業")
    client = client_as(world.coordinator)
    for url in (
        reverse("admin:plan_project_history", args=[project.pk]),
        reverse("admin:plan_changerequest_audit"),
    ):
        response = client.get(url)
        assert response.status_code == 200
        table = response.content.decode().split("<tbody>", 1)[1].split("</tbody>", 1)[0]
        rows = response.context["rows"]
        assert table.count("<tr>") == len(rows) >= 4


@pytest.mark.parametrize("pk", [1, 9, 10, 99, 918273645, 12345678901, "12"])
def test_a_change_requests_url_is_reversed_once_for_the_page(pk):
    from plan.admin.history_html import _change_request_urls

    url = _change_request_urls("admin")
    assert url(pk) == reverse("admin:plan_changerequest_change", args=[pk])
