"""Django's tabular inline written out in Python (accounts/admin_inline_html.py): every tabular
inline of the admin gives the same page as Django's template, for each role, editable and read
only, with and without errors; a template not Django's own is rendered by the engine."""

import pytest
from django.urls import reverse

from accounts import admin_inline_html
from accounts.admin_base import PolicyTabularInline
from accounts.templatetags import admin_inlines
from kpis.models import Kpi
from plan.models import Measure, PolicyGoal, Project
from tests.admin_forms import client_as, read_form, without_csrf

DJANGOS = "admin/edit_inline/tabular.html"
WRITTEN = PolicyTabularInline.template


def _page(response) -> str:
    return f"{response.status_code} " + without_csrf(response.content.decode())


@pytest.fixture
def written(monkeypatch):
    """How many inlines the module wrote (not handed back to the template)."""
    calls = []
    render = admin_inline_html.render_tabular

    def counted(context):
        html = render(context)
        calls.append(context["inline_admin_formset"].formset.prefix)
        return html

    monkeypatch.setattr(admin_inlines, "render_tabular", counted)
    return calls


def _urls():
    project = Project.objects.get(name="アジア・グリーン共創ハブ推進事業")
    own = Project.objects.filter(bureaus__name="産業経済局").order_by("code").first()
    kpi = Kpi.objects.get(indicator="市内再エネ導入量", code__isnull=False)
    goal = PolicyGoal.objects.order_by("code").first()
    measure = Measure.objects.order_by("pk").first()
    return [
        reverse("admin:plan_project_change", args=[project.pk]),
        reverse("admin:plan_project_change", args=[own.pk]),
        reverse("admin:kpis_kpi_change", args=[kpi.pk]),
        reverse("admin:plan_policygoal_change", args=[goal.pk]),
        reverse("admin:plan_measure_change", args=[measure.pk]),
        reverse("admin:plan_project_add"),
    ]


def _pages(monkeypatch, users, urls, template):
    monkeypatch.setattr(PolicyTabularInline, "template", template)
    pages = []
    for user in users:
        client = client_as(user)
        pages += [_page(client.get(url)) for url in urls]
    return pages


@pytest.mark.django_db
def test_every_tabular_inline_is_djangos(world, monkeypatch, written):
    urls = _urls()
    users = (world.coordinator, world.sangyo, world.viewer)
    djangos = _pages(monkeypatch, users, urls, DJANGOS)
    assert written == []
    ours = _pages(monkeypatch, users, urls, WRITTEN)
    assert len(written) >= 12
    for url_user, (mine, theirs) in enumerate(zip(ours, djangos, strict=True)):
        assert (url_user, mine) == (url_user, theirs)
    assert sum(page.startswith("200 ") for page in ours) >= 14
    assert sum(page.count('data-inline-type="tabular"') for page in ours) >= 12
    assert any('class="inlinechangelink"' in page for page in ours)  # the goal's measures
    assert any("<p>" in page and 'class="field-' in page for page in ours)


@pytest.mark.django_db
def test_a_tabular_inline_with_errors_is_djangos(world, monkeypatch, written):
    """A posted project form whose listing row is refused: the row's errors, the form's."""
    project = Project.objects.get(name="アジア・グリーン共創ハブ推進事業")
    url = reverse("admin:plan_project_change", args=[project.pk])
    client = client_as(world.coordinator)
    data = read_form(client.get(url).content.decode(), "project_form")
    data["listings-0-measure"] = ""
    data["listings-0-number"] = "x"
    pages = []
    for template in (DJANGOS, WRITTEN):
        monkeypatch.setattr(PolicyTabularInline, "template", template)
        pages.append(_page(client.post(url, data)))
    assert written
    assert pages[1] == pages[0]
    assert 'class="errorlist' in pages[1]


@pytest.mark.django_db
def test_a_tabular_template_not_djangos_is_rendered_by_the_engine(world, monkeypatch, written):
    """When the engine's template text is not Django's own, the tag hands every inline to the
    template (nothing written by the module), and the page is the same."""
    url = _urls()[0]
    client = client_as(world.coordinator)
    ours = _page(client.get(url))
    assert written
    count = len(written)
    monkeypatch.setattr(admin_inline_html, "TABULAR_SOURCE", "(changed)")
    admin_inlines._written.cache_clear()
    try:
        theirs = _page(client.get(url))
    finally:
        monkeypatch.undo()
        admin_inlines._written.cache_clear()
    assert len(written) == count  # none written: the engine's template
    assert theirs.startswith("200 ")
    assert theirs == ours
