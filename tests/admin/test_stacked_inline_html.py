"""Django's stacked inline written out in Python (accounts/admin_stacked_html.py): the KPI form's
values give the same page as with Django's template, for each role, editable and read only, with
and without errors; a template not Django's own is rendered by the engine."""

import pytest
from django.urls import reverse

from accounts import admin_stacked_html
from accounts.templatetags import admin_inlines
from kpis.admin import KpiValueInline
from kpis.models import Kpi
from tests.admin_forms import client_as, read_form, without_csrf

DJANGOS = "admin/edit_inline/stacked.html"
WRITTEN = KpiValueInline.template


def _page(response) -> str:
    return f"{response.status_code} " + without_csrf(response.content.decode())


@pytest.fixture
def written(monkeypatch):
    """How many inlines the module wrote (not handed back to the template)."""
    calls = []
    render = admin_stacked_html.render_stacked

    def counted(context):
        html = render(context)
        calls.append(context["inline_admin_formset"].formset.prefix)
        return html

    monkeypatch.setattr(admin_inlines, "render_stacked", counted)
    return calls


def _urls():
    shared = Kpi.objects.get(indicator="市内再エネ導入量", code__isnull=False)
    own = Kpi.objects.filter(project_links__project__bureaus__name="産業経済局").order_by("code")[0]
    return [
        reverse("admin:kpis_kpi_change", args=[shared.pk]),
        reverse("admin:kpis_kpi_change", args=[own.pk]),
        reverse("admin:kpis_kpi_change", args=[Kpi.objects.get(code="K002").pk]),
        reverse("admin:kpis_kpi_add"),
    ]


def _pages(monkeypatch, users, urls, template):
    monkeypatch.setattr(KpiValueInline, "template", template)
    pages = []
    for user in users:
        client = client_as(user)
        pages += [_page(client.get(url)) for url in urls]
    return pages


@pytest.mark.django_db
def test_every_stacked_inline_is_djangos(world, monkeypatch, written):
    urls = _urls()
    users = (world.coordinator, world.sangyo, world.viewer)
    djangos = _pages(monkeypatch, users, urls, DJANGOS)
    assert written == []
    ours = _pages(monkeypatch, users, urls, WRITTEN)
    assert len(written) == 11  # every form but the viewer's add form (403)
    for url_user, (mine, theirs) in enumerate(zip(ours, djangos, strict=True)):
        assert (url_user, mine) == (url_user, theirs)
    assert sum(page.startswith("200 ") for page in ours) == 11
    assert sum(page.count('data-inline-type="stacked"') for page in ours) == 11
    deletable = ['<span class="delete">' in page for page in ours]
    assert deletable == [True, True, True, False, False, True, True, False, *[False] * 4]
    assert any('<span class="inline_label">#1</span>' in page for page in ours)  # the add form


@pytest.mark.django_db
def test_a_stacked_inline_with_errors_is_djangos(world, monkeypatch, written):
    """A posted KPI form whose target contradicts its text: the value's error."""
    kpi = Kpi.objects.get(indicator="市内再エネ導入量", code__isnull=False)
    url = reverse("admin:kpis_kpi_change", args=[kpi.pk])
    client = client_as(world.coordinator)
    data = read_form(client.get(url).content.decode(), "kpi_form")
    data["values-1-value"] = "3"
    pages = []
    for template in (DJANGOS, WRITTEN):
        monkeypatch.setattr(KpiValueInline, "template", template)
        pages.append(_page(client.post(url, data)))
    assert written
    assert pages[1] == pages[0]
    assert 'class="errorlist' in pages[1]


@pytest.mark.django_db
def test_a_stacked_template_not_djangos_is_rendered_by_the_engine(world, monkeypatch, written):
    """When the engine's template text is not Django's own, the tag hands every inline to the
    template (nothing written by the module), and the page is the same."""
    url = _urls()[0]
    client = client_as(world.coordinator)
    ours = _page(client.get(url))
    assert written
    count = len(written)
    monkeypatch.setattr(admin_stacked_html, "STACKED_SOURCE", "(changed)")
    admin_inlines._written_stacked.cache_clear()
    try:
        theirs = _page(client.get(url))
    finally:
        monkeypatch.undo()
        admin_inlines._written_stacked.cache_clear()
    assert len(written) == count  # none written: the engine's template
    assert theirs.startswith("200 ")
    assert theirs == ours
