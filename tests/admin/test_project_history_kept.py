"""A project's 「履歴」 rows are kept between views (plan.admin.history.project_history_rows): each
change of the plan, each bureau's new name and each person's new name is shown at the next view."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Bureau
from plan import changes
from plan.changes import ProposedChange
from plan.models import Project
from tests.admin_forms import client_as
from tests.world import submit_summary

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(world):
    """P002 (産業経済局's) with its initial versions and one approved change by 産業経済局's staff."""
    call_command("populate_history", auto=True, verbosity=0)
    project = Project.objects.get(code="P002")
    request = submit_summary(world.sangyo, project, "海岸清掃を支援する。")
    changes.change_request_approve(acting_user=world.coordinator, change_request=request)
    return project


def shown(client, project) -> list[tuple[str, str, list[str]]]:
    """Each row's kind, name and changes (「項目: 後」)."""
    response = client.get(reverse("admin:plan_project_history", args=[project.pk]))
    assert response.status_code == 200
    return [
        (row["type"], row["object"], [f"{field.label}: {field.after}" for field in row["fields"]])
        for row in response.context["rows"]
    ]


def page(client, project) -> str:
    return client.get(reverse("admin:plan_project_history", args=[project.pk])).content.decode()


def _rename(world, project, name):
    project = Project.objects.get(pk=project.pk)
    changes.change_direct_apply(
        acting_user=world.coordinator,
        edition=project.edition,
        changes=[ProposedChange.update(project, {"name": name})],
        reason="名称の整理",
        title=project.name,
        project=project,
    )


def test_a_change_is_shown_at_the_next_view(world, project):
    client = client_as(world.coordinator)
    before = shown(client, project)
    assert before[0] == ("変更", "海岸漂着物処理推進事業", ["概要: 海岸清掃を支援する。"])
    assert shown(client, project) == before
    _rename(world, project, "海岸清掃推進事業")

    after = shown(client, project)
    assert after[0] == ("変更", "海岸清掃推進事業", ["事業/取組名: 海岸清掃推進事業"])
    assert after[1] == before[0]
    assert len(after) == len(before) + 1
    # The older rows name the project's bureau by the project's name now.
    assert "海岸漂着物処理推進事業 / 産業経済局" in [name for _t, name, _f in before]
    assert "海岸清掃推進事業 / 産業経済局" in [name for _t, name, _f in after]


def test_a_bureaus_new_name_is_shown_at_the_next_view(world, project):
    """Bureaus keep no history: their names are part of the stamp."""
    client = client_as(world.coordinator)
    assert "海岸漂着物処理推進事業 / 産業経済局" in [
        name for _t, name, _f in shown(client, project)
    ]
    bureau = Bureau.objects.get(name="産業経済局")
    bureau.name = "産業振興局"
    bureau.save()

    names = [name for _t, name, _f in shown(client, project)]
    assert "海岸漂着物処理推進事業 / 産業振興局" in names
    assert "海岸漂着物処理推進事業 / 産業経済局" not in names


def test_a_persons_new_name_is_shown_at_the_next_view(world, project):
    """People keep no history: they are read on each view."""
    client = client_as(world.coordinator)
    assert "<td>sangyo</td>" in page(client, project)
    world.sangyo.last_name, world.sangyo.first_name = "北九州", "太郎"
    world.sangyo.save()

    html = page(client, project)
    assert "<td>北九州 太郎 (sangyo)</td>" in html
    assert "<td>sangyo</td>" not in html


def test_the_kept_rows_would_be_stale_with_a_constant_stamp(world, project, monkeypatch):
    """The tests above rely on the stamp: with one that never moves, the kept rows are shown."""
    from plan import db_stamp

    monkeypatch.setattr(db_stamp, "database_stamp", lambda *_args: "constant")
    client = client_as(world.coordinator)
    before = shown(client, project)
    _rename(world, project, "海岸清掃推進事業")
    assert shown(client, project) == before


@pytest.mark.parametrize("viewer", ["coordinator", "sangyo"])
def test_a_name_changed_while_the_page_reads_its_stamp_is_shown_at_the_next_view(
    world, project, monkeypatch, viewer
):
    """The page reads the project before the stamp; a rename committed in between (by someone
    else, in another process) must not be kept under the new stamp with the old name."""
    from plan import db_stamp

    stamp = db_stamp.database_stamp

    def renamed_then_stamped(*args):
        monkeypatch.setattr(db_stamp, "database_stamp", stamp)
        _rename(world, project, "海岸清掃推進事業")
        return stamp(*args)

    client = client_as(getattr(world, viewer))
    monkeypatch.setattr(db_stamp, "database_stamp", renamed_then_stamped)
    shown(client, project)

    names = [name for _t, name, _f in shown(client, project)]
    assert names[0] == "海岸清掃推進事業"
    assert "海岸清掃推進事業 / 産業経済局" in names
    assert "海岸漂着物処理推進事業 / 産業経済局" not in names


def test_the_pages_project_is_read_by_its_key_in_digits_or_not_found(world, project, monkeypatch):
    """The page's project is read by the query compiled once for a key in digits; a key of no
    project answers 404 as before; a key not in digits is read by the ORM."""
    from plan.admin import history

    read = []
    monkeypatch.setattr(history, "_PAGE_PROJECT", _Recorded(history._PAGE_PROJECT, read))
    client = client_as(world.sangyo)
    assert client.get(reverse("admin:plan_project_history", args=[project.pk])).status_code == 200
    assert client.get(reverse("admin:plan_project_history", args=[10**9])).status_code == 404
    assert read == [project.pk, 10**9]
    response = client.get(f"/admin/plan/project/{project.pk:04d}/history/")
    assert (response.status_code, response.context["object"].pk) == (200, project.pk)
    assert read == [project.pk, 10**9, project.pk]
    response = client.get(f"/admin/plan/project/+{project.pk}/history/")
    assert (response.status_code, response.context["object"].pk) == (200, project.pk)
    assert read == [project.pk, 10**9, project.pk]  # read by the ORM


class _Recorded:
    def __init__(self, prepared, read):
        self.prepared, self.read = prepared, read

    def __call__(self, pk):
        self.read.append(pk)
        return self.prepared(pk)
