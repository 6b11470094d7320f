"""The admin's app list (the index and every page's navigation sidebar): each person sees exactly
the models, links and add links the policy gives them, whoever asked before in the same process
(the URLs are kept per process, the answers per request and user)."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from config.admin_site import PlanAdminSite

pytestmark = pytest.mark.django_db

READ_ONLY_PLAN = [
    ("Measure", "/admin/plan/measure/", None, True),
    ("PolicyGoal", "/admin/plan/policygoal/", None, True),
    ("Edition", "/admin/plan/edition/", None, True),
    ("Plan", "/admin/plan/plan/", None, True),
]
BUREAUS = ("accounts", "/admin/accounts/", [("Bureau", "/admin/accounts/bureau/", None, True)])
EXPECTED = {
    "sangyo": [
        (
            "plan",
            "/admin/plan/",
            [
                ("Project", "/admin/plan/project/", "/admin/plan/project/add/", False),
                ("ChangeRequest", "/admin/plan/changerequest/", None, True),
                *READ_ONLY_PLAN,
            ],
        ),
        (
            "kpis",
            "/admin/kpis/",
            [
                ("Kpi", "/admin/kpis/kpi/", "/admin/kpis/kpi/add/", False),
                ("KpiActual", "/admin/kpis/kpiactual/", "/admin/kpis/kpiactual/add/", False),
            ],
        ),
        (
            "evaluation",
            "/admin/evaluation/",
            [
                ("EvaluationRound", "/admin/evaluation/evaluationround/", None, True),
                ("EvaluationSheet", "/admin/evaluation/evaluationsheet/", None, False),
            ],
        ),
        BUREAUS,
    ],
    "coordinator": [
        (
            "plan",
            "/admin/plan/",
            [
                ("Project", "/admin/plan/project/", "/admin/plan/project/add/", False),
                ("ChangeRequest", "/admin/plan/changerequest/", None, True),
                ("Measure", "/admin/plan/measure/", "/admin/plan/measure/add/", False),
                ("PolicyGoal", "/admin/plan/policygoal/", "/admin/plan/policygoal/add/", False),
                ("Edition", "/admin/plan/edition/", "/admin/plan/edition/add/", False),
                ("Plan", "/admin/plan/plan/", "/admin/plan/plan/add/", False),
            ],
        ),
        (
            "kpis",
            "/admin/kpis/",
            [
                ("Kpi", "/admin/kpis/kpi/", "/admin/kpis/kpi/add/", False),
                ("KpiActual", "/admin/kpis/kpiactual/", "/admin/kpis/kpiactual/add/", False),
            ],
        ),
        (
            "evaluation",
            "/admin/evaluation/",
            [
                (
                    "EvaluationRound",
                    "/admin/evaluation/evaluationround/",
                    "/admin/evaluation/evaluationround/add/",
                    True,
                ),
                ("EvaluationSheet", "/admin/evaluation/evaluationsheet/", None, False),
            ],
        ),
        BUREAUS,
    ],
    "viewer": [
        (
            "plan",
            "/admin/plan/",
            [("Project", "/admin/plan/project/", None, True), *READ_ONLY_PLAN],
        ),
        (
            "kpis",
            "/admin/kpis/",
            [
                ("Kpi", "/admin/kpis/kpi/", None, True),
                ("KpiActual", "/admin/kpis/kpiactual/", None, True),
            ],
        ),
        (
            "evaluation",
            "/admin/evaluation/",
            [
                ("EvaluationRound", "/admin/evaluation/evaluationround/", None, True),
                ("EvaluationSheet", "/admin/evaluation/evaluationsheet/", None, True),
            ],
        ),
        BUREAUS,
    ],
}


def seen(user, app_label=None, request=None):
    request = request or RequestFactory().get("/admin/")
    request.user = user
    return [
        (
            app["app_label"],
            app["app_url"],
            [
                (m["object_name"], m["admin_url"], m["add_url"], m.get("view_only"))
                for m in app["models"]
            ],
        )
        for app in admin.site.get_app_list(request, app_label)
    ]


@pytest.mark.parametrize("order", [("sangyo", "coordinator", "viewer"), ("viewer", "sangyo")])
def test_each_role_sees_its_models(world, order):
    for role in order:
        assert seen(getattr(world, role)) == EXPECTED[role]


def test_one_app(world):
    assert seen(world.coordinator, "kpis") == [EXPECTED["coordinator"][1]]
    assert seen(world.viewer, "plan") == [EXPECTED["viewer"][0]]


def test_the_answers_are_the_users_on_a_shared_request(world):
    request = RequestFactory().get("/admin/")
    assert seen(world.coordinator, request=request) == EXPECTED["coordinator"]
    assert seen(world.viewer, request=request) == EXPECTED["viewer"]


def test_the_index_builds_it_once(client, world, monkeypatch):
    """The index lists the apps and hands them to ``each_context`` too: one build a request."""
    site = PlanAdminSite
    built = []
    build = site._build_app_dict
    monkeypatch.setattr(site, "_build_app_dict", lambda *a, **k: built.append(1) or build(*a, **k))
    client.force_login(world.viewer)
    page = client.get("/admin/").content.decode()
    assert (len(built), page.count('<a href="/admin/plan/measure/">基本施策</a>')) == (1, 1)
