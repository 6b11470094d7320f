"""Django's fieldset written out in Python (accounts/admin_fieldset_html.py, through the project's
admin/includes/fieldset.html): the admin's change forms give the same page as with Django's own
template, for each role, with named and unnamed fieldsets, stacked inline rows, read-only fields,
checkboxes, help texts and errors; a template not Django's own is rendered by the engine."""

import pytest
from django.template import engines
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from accounts import admin_fieldset_html
from accounts.models import Role
from accounts.templatetags import admin_inlines
from evaluation.models import EvaluationSheet
from kpis.models import Kpi
from plan.models import ChangeRequest, Measure, PolicyGoal, Project
from tests.admin_forms import client_as, read_form, without_csrf
from tests.factories import UserFactory


def _page(response) -> str:
    return f"{response.status_code} " + without_csrf(response.content.decode())


@pytest.fixture
def written(monkeypatch):
    """The fieldsets the module wrote (not handed back to the template)."""
    calls = []
    render = admin_fieldset_html.render_fieldset

    def counted(context):
        html = render(context)
        calls.append(context["fieldset"].name)
        return html

    monkeypatch.setattr(admin_inlines, "render_fieldset", counted)
    return calls


@pytest.fixture
def djangos(monkeypatch):
    """Render every fieldset with Django's template (as without the project's)."""

    def use_djangos():
        monkeypatch.setattr(admin_inlines, "_fieldset_templates", {})
        monkeypatch.setattr(admin_fieldset_html, "FIELDSET_SOURCE", "(not Django's)")
        monkeypatch.setattr(admin_inlines, "FIELDSET_SOURCE", "(not Django's)")

    return use_djangos


def _urls(sysadmin):
    project = Project.objects.get(name="アジア・グリーン共創ハブ推進事業")
    own = Project.objects.filter(bureaus__name="産業経済局").order_by("code").first()
    kpi = Kpi.objects.get(indicator="市内再エネ導入量", code__isnull=False)
    urls = [
        reverse("admin:plan_project_change", args=[project.pk]),
        reverse("admin:plan_project_change", args=[own.pk]),
        reverse("admin:kpis_kpi_change", args=[kpi.pk]),
        reverse("admin:plan_policygoal_change", args=[PolicyGoal.objects.order_by("pk")[0].pk]),
        reverse("admin:plan_measure_change", args=[Measure.objects.order_by("pk")[0].pk]),
        reverse("admin:plan_project_add"),
        reverse("admin:kpis_kpiactual_add"),
        reverse("admin:accounts_user_change", args=[sysadmin.pk]),
        reverse("admin:accounts_user_add"),
    ]
    urls += [
        reverse("admin:plan_changerequest_change", args=[pk])
        for pk in ChangeRequest.objects.order_by("pk").values_list("pk", flat=True)[:2]
    ]
    urls += [
        reverse("admin:evaluation_evaluationsheet_change", args=[pk])
        for pk in EvaluationSheet.objects.order_by("pk").values_list("pk", flat=True)[:2]
    ]
    return urls


@pytest.mark.django_db
def test_every_fieldset_is_djangos(world, written, djangos):
    sysadmin = UserFactory(username="sysadmin", role=Role.SYSTEM_ADMIN)
    users = (world.coordinator, world.sangyo, world.viewer, sysadmin)
    urls = _urls(sysadmin)
    # Each signed in once: signing in again sets 「最終ログイン」, which the user page shows to the
    # minute (the two passes differed when a minute turned between them).
    clients = [client_as(user) for user in users]
    ours = [_page(client.get(url)) for client in clients for url in urls]
    assert len(written) >= 30
    assert None in written and any(written)  # unnamed and named fieldsets
    count = len(written)
    djangos()
    theirs = [_page(client.get(url)) for client in clients for url in urls]
    assert len(written) == count  # none written: Django's template
    for index, (mine, django_page) in enumerate(zip(ours, theirs, strict=True)):
        assert (index, mine) == (index, django_page)
    assert sum(page.startswith("200 ") for page in ours) >= 20
    assert any('class="readonly"' in page for page in ours)
    assert any("checkbox-row" in page for page in ours)
    assert any('<div class="help' in page for page in ours)
    assert any('data-inline-type="stacked"' in page for page in ours)


@pytest.mark.django_db
def test_a_fieldset_with_errors_is_djangos(world, written, djangos):
    project = Project.objects.get(name="アジア・グリーン共創ハブ推進事業")
    url = reverse("admin:plan_project_change", args=[project.pk])
    client = client_as(world.coordinator)
    data = read_form(client.get(url).content.decode(), "project_form")
    data["name"] = ""
    data["code"] = "x" * 300
    ours = _page(client.post(url, data))
    assert written
    djangos()
    assert ours == _page(client.post(url, data))
    assert "errors" in ours and 'class="errorlist' in ours


def test_the_fieldset_written_is_djangos_own_text():
    engine = engines["django"].engine
    found, _origin = engine.find_template(
        admin_fieldset_html.FIELDSET,
        skip=[engine.get_template("admin/includes/fieldset.html").origin],
    )
    assert found.source == admin_fieldset_html.FIELDSET_SOURCE


class _Text(str):
    """A text of a ``str`` subclass (not ``str`` itself)."""


@pytest.mark.parametrize(
    "value",
    [
        "",
        "plain",
        "a \"quoted\" & <tagged> 'label'",
        "市内再エネ導入量 <R12年度>",
        mark_safe("<b>safe</b> &amp;"),
        gettext_lazy("Delete?"),
        _Text("<sub> & class"),
        7,
        None,
    ],
)
def test_escaped_and_template_value_write_djangos_text(value):
    assert admin_fieldset_html.escaped(value) == conditional_escape(value)
    assert admin_fieldset_html.template_value(value) == conditional_escape(localize(value))
    assert admin_fieldset_html.escaped('<a href="?a=1&b=2">') == (
        "&lt;a href=&quot;?a=1&amp;b=2&quot;&gt;"
    )
