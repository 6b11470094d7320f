"""setup_demo: what `make run` calls to load the edition and the demo users."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Role, User
from plan.models import Project

pytestmark = pytest.mark.django_db

DEMO_USERS = {
    "coordinator": (Role.COORDINATOR, ["環境局"]),
    "kankyo": (Role.BUREAU_STAFF, ["環境局"]),
    "sangyo": (Role.BUREAU_STAFF, ["産業経済局"]),
    "viewer": (Role.VIEWER, []),
    "admin": (Role.SYSTEM_ADMIN, []),
}


def test_loads_the_edition_and_one_user_per_role(monkeypatch, capsys):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    call_command("setup_demo")
    assert Project.objects.count() == 90
    users = {
        user.username: (user.role, [b.name for b in user.bureaus.all()])
        for user in User.objects.prefetch_related("bureaus")
    }
    assert users == DEMO_USERS
    output = capsys.readouterr().out
    assert "パスワードは既定値: kitakyushu-demo-2024" in output
    assert "http://127.0.0.1:8000/admin/" in output


def test_running_again_keeps_data_and_passwords(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "first-Pass-2024")
    call_command("setup_demo")
    project = Project.objects.get(code="P001")
    project.name = "変更後の名称"
    project.save()
    monkeypatch.setenv("DEMO_PASSWORD", "second-Pass-2024")
    call_command("setup_demo")
    assert Project.objects.count() == 90
    assert Project.objects.get(code="P001").name == "変更後の名称"
    assert User.objects.count() == 5
    assert User.objects.get(username="sangyo").check_password("first-Pass-2024")


@pytest.mark.parametrize("username", list(DEMO_USERS))
def test_every_demo_user_signs_in_and_sees_the_admin(client, monkeypatch, username):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-Pass-2024")
    call_command("setup_demo")
    response = client.post(
        reverse("admin:login"),
        {"username": username, "password": "demo-Pass-2024", "next": reverse("admin:index")},
    )
    assert response.status_code == 302
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert response.context["app_list"], f"{username} sees no app in the admin index"


def test_migrations_create_no_users():
    assert User.objects.count() == 0


def test_the_published_edition_has_no_actuals_unless_asked():
    from kpis.models import KpiActual

    call_command("setup_demo")
    assert KpiActual.objects.count() == 0


def test_sample_actuals_show_every_status_and_are_labelled(capsys):
    from kpis.achievement import assess_kpis
    from kpis.models import Kpi, KpiActual

    call_command("setup_demo", "--with-sample-actuals")
    call_command("setup_demo", "--with-sample-actuals")  # again: nothing added twice
    assert KpiActual.objects.count() == 20
    assert set(KpiActual.objects.values_list("note", flat=True)) == {
        "サンプル (デモ用の架空の値。公表された実績ではありません)"
    }
    statuses = assess_kpis(Kpi.objects.all(), 2024)
    counted: dict[str, int] = {}
    for achievement in statuses.values():
        counted[achievement.status_label] = counted.get(achievement.status_label, 0) + 1
    assert counted == {"達成": 5, "順調": 7, "やや遅れ": 4, "遅れ": 3, "評価不可": 32}
    assert "サンプルの実績値を 0 件入れました" in capsys.readouterr().out
