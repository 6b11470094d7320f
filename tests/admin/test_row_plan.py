"""The changelists' rows rendered from a plan (accounts/admin_rows.py) are Django's, byte for byte.

For every ModelAdmin registered on the site, as each role that may open its list, on a populated
world (the 2024 edition at ×1 with change requests, actuals and history as the page benchmark
makes them, an evaluation round, sign-in records and account changes): each row's cells equal
Django's ``items_for_result`` for the same changelist, and the whole page equals the page rendered
with Django's own ``result_list``. Where the plan does not apply (Django's own GroupAdmin, a popup)
the rows are Django's.
"""

import datetime
import re
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.templatetags.admin_list import items_for_result
from django.contrib.contenttypes.models import ContentType
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from accounts.admin_base import PolicyChangeList, PolicyModelAdmin
from accounts.admin_rows import RowPlan
from accounts.models import Bureau, Role, User
from benchmarks.pages import prepare_scale
from plan.admin.base import lines
from plan.admin.display import unbroken
from plan.models import Measure
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROLES = ("coordinator", "sangyo", "sysadmin")
#: Query strings of each list: as opened, and sorted by its second column descending (so that each
#: link carries ``?_changelist_filters=o%3D-2``), and on a search where the admin has one.
QUERIES = ({}, {"o": "-2"})
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def populate(edition) -> dict[str, User]:
    """The benchmark's ×1 world (with its round of 評価票 in every state), sign-ins and a change
    to an account."""
    users = prepare_scale(edition, 1)["users"]
    coordinator = users["coordinator"]
    moment = timezone.make_aware(datetime.datetime(2025, 4, 1, 9, 30))
    AccessLog.objects.create(
        username="sangyo", ip_address="127.0.0.1", user_agent="b", attempt_time=moment
    )
    AccessLog.objects.create(
        username="", ip_address="127.0.0.2", user_agent="b", attempt_time=moment,
        logout_time=moment + datetime.timedelta(hours=1),
    )  # fmt: skip
    AccessFailureLog.objects.create(
        username="sangyo", ip_address="127.0.0.1", user_agent="b", attempt_time=moment,
        locked_out=True,
    )  # fmt: skip
    AccessFailureLog.objects.create(
        username="x", ip_address="127.0.0.3", user_agent="b", attempt_time=moment
    )
    AccessAttempt.objects.create(
        username="sangyo", ip_address="127.0.0.1", user_agent="b", attempt_time=moment,
        failures_since_start=3, get_data="", post_data="",
    )  # fmt: skip
    sysadmin = UserFactory(username="sysadmin", role=Role.SYSTEM_ADMIN)
    LogEntry.objects.create(
        user=sysadmin,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(users["sangyo"].pk),
        object_repr="sangyo",
        action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["姓"]}}]',
    )
    return {"coordinator": coordinator, "sangyo": users["sangyo"], "sysadmin": sysadmin}


def django_rows(changelist) -> list[list[str]]:
    return [list(items_for_result(changelist, result, None)) for result in changelist.result_list]


def planned_rows(changelist) -> list[list[str]]:
    plan = RowPlan.for_changelist(changelist)
    assert plan is not None
    return [list(row) for row in plan.rows()]


def changelist_page(client, url: str, query: dict):
    client.raise_request_exception = False  # a list the role may not open answers 403
    response = client.get(url, query)
    client.raise_request_exception = True
    if response.status_code != 200:
        return None
    return response


@pytest.fixture
def populated(edition_2024):
    return populate(edition_2024)


def test_every_changelist_renders_django_s_rows(client, populated, monkeypatch):
    rendered = {}
    for model, model_admin in admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for role in ROLES:
            client.force_login(populated[role])
            for query in QUERIES:
                response = changelist_page(client, url, query)
                if response is None:
                    continue
                changelist = response.context["cl"]
                if not isinstance(changelist, PolicyChangeList):
                    assert isinstance(model_admin, admin.ModelAdmin)
                    assert not isinstance(model_admin, PolicyModelAdmin)
                    continue
                ours, django = planned_rows(changelist), django_rows(changelist)
                assert ours == django, (model._meta.label, role, query)
                assert all(type(cell) is SafeString for row in ours for cell in row)
                # The whole page, against the page with Django's own rows.
                with monkeypatch.context() as patch:
                    patch.setattr(RowPlan, "for_changelist", classmethod(lambda cls, cl: None))
                    plain = client.get(url, query)
                assert CSRF.sub("", response.content.decode()) == CSRF.sub(
                    "", plain.content.decode()
                ), (model._meta.label, role, query)
                rendered[(model._meta.label, role, bool(query))] = len(ours)
    opened = {label for label, _role, _query in rendered}
    assert opened == {
        "accounts.AccountChangeRecord",
        "accounts.Bureau",
        "accounts.FailedSignInRecord",
        "accounts.LockoutRecord",
        "accounts.SignInRecord",
        "accounts.User",
        "evaluation.EvaluationRound",
        "evaluation.EvaluationSheet",
        "kpis.Kpi",
        "kpis.KpiActual",
        "plan.ChangeRequest",
        "plan.Edition",
        "plan.Measure",
        "plan.Plan",
        "plan.PolicyGoal",
        "plan.Project",
    }
    # Each list showed rows to some role (a system administrator sees no 評価票).
    shown = {label for (label, _role, _query), rows in rendered.items() if rows}
    assert shown == opened
    assert {role for _label, role, _query in rendered} == set(ROLES)


def test_linked_cells_carry_the_preserved_filters(client, populated):
    client.force_login(populated["coordinator"])
    response = client.get(reverse("admin:plan_project_changelist"), {"o": "-2", "q": "環境"})
    html = response.content.decode()
    assert re.search(
        r'<th class="field-code"><a href="/admin/plan/project/\d+/change/'
        r'\?_changelist_filters=o%3D-2%26q%3D%25E7%2592%25B0%25E5%25A2%2583">',
        html,
    )


def test_a_popup_is_rendered_by_django(client, populated):
    client.force_login(populated["coordinator"])
    response = client.get(reverse("admin:plan_measure_changelist"), {"_popup": "1"})
    changelist = response.context["cl"]
    assert changelist.is_popup
    assert RowPlan.for_changelist(changelist) is None
    assert 'data-popup-opener="' in response.content.decode()


class TrickyMeasureAdmin(PolicyModelAdmin):
    """Every kind of column Django resolves: a field, a relation, a lookup through relations, a
    model method and ``__str__``, a lambda, admin methods (boolean, a date, a blank text, a
    missing relation, their own empty value)."""

    list_display = (
        "__str__",
        "number",
        "goal",
        "goal__code",
        "get_absolute_url",
        lambda measure: measure.title[:3],
        "flag",
        "day",
        "blank",
        "missing",
        "own_empty",
        "pk",
        "id",
    )
    list_display_links = ("number", "flag")

    @admin.display(boolean=True)
    def flag(self, measure):
        return {0: True, 1: False}.get(measure.number % 3)

    @admin.display(description="日")
    def day(self, measure):
        return datetime.date(2025, 4, measure.number % 28 + 1)

    def blank(self, measure):
        return "  "

    def missing(self, measure):
        raise Measure.DoesNotExist

    @admin.display(empty_value="(なし)")
    def own_empty(self, measure):
        return None if measure.number % 2 else measure.number * 1000


@pytest.mark.parametrize(
    "links", [("number", "flag"), (), None], ids=["two links", "default", "none"]
)
def test_every_kind_of_column_is_rendered_as_django_renders_it(populated, links):
    Measure.get_absolute_url = lambda self: f"/measure/{self.pk}/<&>"
    try:
        model_admin = TrickyMeasureAdmin(Measure, admin.site)
        model_admin.list_display_links = links
        request = RequestFactory().get("/admin/plan/measure/", {"o": "2"})
        request.user = populated["coordinator"]
        changelist = model_admin.get_changelist_instance(request)
        changelist.formset = None  # as changelist_view sets it for a list without list_editable
        assert len(changelist.result_list) > 10
        assert planned_rows(changelist) == django_rows(changelist)
    finally:
        del Measure.get_absolute_url


AWKWARD = ["<b>&\"'", SafeString("<i>safe</i>"), 7, "", "普通の名前"]


@pytest.mark.parametrize("values", [AWKWARD, [], ["一つ"]], ids=["awkward", "none", "one"])
def test_the_cell_helpers_write_what_format_html_join_wrote(values):
    assert lines(values) == format_html_join("", "{}<br>", ((value,) for value in values))
    assert unbroken(values) == format_html_join(
        " ", '<span class="unbroken">{}</span>', ((value,) for value in values)
    )
    assert type(lines(values)) is SafeString and type(unbroken(values)) is SafeString


@pytest.mark.parametrize("name", ["<b>&\"'名前", "普通の名前"])
def test_the_action_checkbox_is_django_s_widget(name):
    """The checkbox written directly is what Django's own ``action_checkbox`` renders."""
    bureau = Bureau(pk=12, name=name)
    model_admin = PolicyModelAdmin(Bureau, admin.site)
    ours = model_admin.action_checkbox(bureau)
    assert ours == admin.ModelAdmin.action_checkbox(model_admin, bureau)
    assert type(ours) is SafeString


def test_the_change_list_template_is_django_s_but_for_the_rows_tag():
    """templates/admin/change_list.html replaces one tag of Django's ``result_list`` block and
    nothing else, whitespace included (checked against the installed Django's template)."""
    ours = (Path(settings.BASE_DIR) / "templates/admin/change_list.html").read_text()
    django_s = (Path(admin.__file__).parent / "templates/admin/change_list.html").read_text()

    def block(source: str) -> str:
        start = source.index("{% block result_list %}")
        return source[start : source.index("{% endblock %}", start)]

    assert block(django_s).count("{% result_list cl %}") == 1
    assert block(ours) == block(django_s).replace(
        "{% result_list cl %}", "{% planned_result_list cl %}"
    )


def test_a_results_template_of_its_own_gets_the_rows_cell_by_cell(
    client, edition_2024, settings, tmp_path
):
    """Django's results template gets each row's cells as one item (the same HTML); a model's own
    template, which may read the cells one by one, gets them one by one."""
    client.force_login(UserFactory(role=Role.COORDINATOR))
    url = reverse("admin:plan_project_changelist")
    joined = client.get(url, {"q": "BIM"}).context["results"]
    assert [len(row) for row in joined] == [1]
    assert joined[0][0].startswith('<td class="action-checkbox">')
    own = tmp_path / "admin" / "plan" / "project"
    own.mkdir(parents=True)
    (own / "change_list_results.html").write_text(
        "{% for result in results %}<tr>{% for item in result %}<!--cell-->{{ item }}"
        "{% endfor %}</tr>{% endfor %}",
        encoding="utf-8",
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    response = client.get(url, {"q": "BIM"})
    assert [len(row) for row in response.context["results"]] == [9]
    assert response.content.decode().count("<!--cell-->") == 9
