"""The admin index says what needs the signed-in person: the queue for coordinators, their returned
requests for bureau staff, with counts, newest first; e-mail links start with SITE_URL."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from plan import changes
from plan.changes import ProposedChange
from tests.admin_forms import client_as
from tests.world import build_plan_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_plan_world()


def submit(world, record, values, title):
    return changes.change_request_submit(
        acting_user=world.staff,
        edition=world.project.edition,
        changes=[ProposedChange.update(record, values)],
        reason="更新",
        title=title,
    )


def listed(html: str) -> list[str]:
    table = html[html.index('id="needs-me"') :]
    table = table[: table.index("</table>")]
    return re.findall(r">(#\d+)</a>", table)


def test_coordinators_see_the_queue_newest_first_and_staff_their_returned_requests(world):
    first = submit(world, world.project, {"summary": "第一案"}, "事業の概要")
    second = submit(world, world.kpi, {"indicator": "再エネ導入量"}, "KPI の文言")
    html = client_as(world.coordinator).get(reverse("admin:index")).content.decode()
    assert "審査待ちの変更申請: 2件" in html
    assert listed(html) == [f"#{second.pk}", f"#{first.pk}"]

    changes.change_request_return(
        acting_user=world.coordinator, change_request=first, comment="KPI との関係を書いて"
    )
    html = client_as(world.staff).get(reverse("admin:index")).content.decode()
    assert "差し戻された自分の申請: 1件" in html
    assert listed(html) == [f"#{first.pk}"]
    assert "KPI との関係を書いて" in html


def test_mail_links_use_the_site_url(world, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://kankyo-plan.city.kitakyushu.example/"
    with django_capture_on_commit_callbacks(execute=True):
        change_request = submit(world, world.project, {"summary": "第一案"}, "事業の概要")
    assert (
        f"https://kankyo-plan.city.kitakyushu.example/admin/plan/changerequest/{change_request.pk}/change/"
        in mail.outbox[-1].body
    )
