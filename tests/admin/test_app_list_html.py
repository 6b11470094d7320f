"""Django's app list written out in Python (accounts/admin_app_list_html.py, through the project's
admin/app_list.html): the index (with its change links) and every page's navigation sidebar (the
current app and model marked) give the same page as with Django's own template, for each role and
for an account that may see nothing; a template not Django's own is rendered by the engine."""

import pytest
from django.template import Context, engines
from django.test import RequestFactory
from django.urls import reverse

from accounts import admin_app_list_html
from accounts.models import Role
from accounts.templatetags import admin_app_list
from tests.admin_forms import client_as, without_csrf
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URLS = (
    "/admin/",
    "/admin/plan/",
    "/admin/plan/measure/",
    "/admin/kpis/kpi/",
    "/admin/kpis/kpiactual/",
    "/admin/evaluation/evaluationsheet/",
    "/admin/accounts/bureau/",
    "/admin/accounts/user/",
    "/admin/accounts/",
)


@pytest.fixture
def written(monkeypatch):
    """The lists the module wrote (not handed back to the template)."""
    calls = []
    render = admin_app_list_html.render_app_list

    def counted(context):
        html = render(context)
        calls.append(len(context.get("app_list") or ()))
        return html

    monkeypatch.setattr(admin_app_list, "render_app_list", counted)
    return calls


@pytest.fixture
def djangos(monkeypatch):
    """Render every app list with Django's template (as without the project's)."""

    def use_djangos():
        monkeypatch.setattr(admin_app_list, "_app_list_templates", {})
        monkeypatch.setattr(admin_app_list, "APP_LIST_SOURCE", "(not Django's)")

    return use_djangos


def _page(response) -> str:
    return f"{response.status_code} " + without_csrf(response.content.decode())


def test_every_app_list_is_djangos(world, written, djangos):
    sysadmin = UserFactory(username="sysadmin", role=Role.SYSTEM_ADMIN)
    users = (world.coordinator, world.sangyo, world.viewer, sysadmin)
    ours = [_page(client_as(user).get(url)) for user in users for url in URLS]
    count = len(written)
    assert count == 33  # every page of every role that opens (all but 403s) writes one list
    djangos()
    theirs = [_page(client_as(user).get(url)) for user in users for url in URLS]
    assert len(written) == count  # none written: Django's template
    for index, (mine, django_page) in enumerate(zip(ours, theirs, strict=True)):
        assert (index, mine) == (index, django_page)
    assert sum(page.startswith("200 ") for page in ours) == 33
    for marked in ("current-app", "current-model", 'aria-current="page"', "changelink"):
        assert any(marked in page for page in ours), marked
    assert any("viewlink" in page and "addlink" in page for page in ours)


def _render(context: dict) -> str:
    template = engines["django"].engine.get_template("admin/app_list.html")
    return template.render(Context(context))


def test_nothing_to_see_and_odd_entries(written, djangos):
    request = RequestFactory().get("/admin/プラン/")
    app = {
        "app_label": "plan",
        "app_url": "/admin/%E3%83%97%E3%83%A9%E3%83%B3/",
        "name": "計画 <&>",
        "models": [
            {"object_name": "Plan", "name": "計画", "admin_url": "", "add_url": None},
            {"object_name": "Edition", "name": "版", "admin_url": None, "perms": {}},
        ],
    }
    contexts = [
        {"app_list": [], "request": request},
        {"app_list": [app], "request": request, "show_changelinks": True},
        {"app_list": [app]},
        {"app_list": [dict(app, app_url=None)], "request": request},
    ]
    ours = [_render(context) for context in contexts]
    assert len(written) == 4  # even an app without a URL: the template writes "None", as we do
    djangos()
    assert ours == [_render(context) for context in contexts]
    assert "current-app" in ours[1] and "計画 &lt;&amp;&gt;" in ours[1]


def test_the_app_list_written_is_djangos_own_text():
    engine = engines["django"].engine
    found, _origin = engine.find_template(
        admin_app_list_html.APP_LIST,
        skip=[engine.get_template(admin_app_list_html.APP_LIST).origin],
    )
    assert found.source == admin_app_list_html.APP_LIST_SOURCE


def test_the_index_shows_the_apps(client, world):
    client.force_login(world.viewer)
    page = client.get(reverse("admin:index")).content.decode()
    assert '<a href="/admin/plan/measure/">基本施策</a>' in page
