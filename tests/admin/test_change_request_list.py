"""The change-request list reads at 1366 px (state as a badge, 経過日数, 決定者, times in Tokyo),
and an Excel import carries the 「変更理由」 typed at upload into its request."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from plan import changes
from plan.admin.display import short_time, unbroken
from plan.changes import ProposedChange
from plan.models import ChangeRequest, Project, WorkbookUpload
from tests.admin.test_workbook_admin import edited
from tests.admin_forms import client_as

pytestmark = pytest.mark.django_db


def submit(world, code: str, summary: str) -> ChangeRequest:
    project = Project.objects.get(code=code)
    return changes.change_request_submit(
        acting_user=world.sangyo,
        edition=project.edition,
        changes=[ProposedChange.update(project, {"summary": summary})],
        reason="内容の更新",
        title=project.name,
        project=project,
    )


def cells(html: str, column: str) -> list[str]:
    return re.findall(rf'<td class="field-{column}[^"]*">(.*?)</td>', html)


def test_the_list_shows_state_as_a_badge_age_and_who_decided(world):
    world.coordinator.last_name, world.coordinator.first_name = "環境局", "取りまとめ担当"
    world.coordinator.save()
    waiting = submit(world, "P002", "海岸清掃を支援する。")
    ChangeRequest.objects.filter(pk=waiting.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=5, hours=1)
    )
    decided = submit(world, "P034", "GX を推進する。")
    changes.change_request_approve(acting_user=world.coordinator, change_request=decided)

    html = client_as(world.coordinator).get(reverse("admin:plan_changerequest_changelist")).content
    html = html.decode()
    assert cells(html, "status_badge") == [
        '<span class="badge badge-done">承認・反映済み</span>',
        '<span class="badge badge-pending">審査待ち</span>',
    ]
    assert cells(html, "age") == ["-", "5日"]  # Django's mark for an empty cell
    assert cells(html, "decider") == [
        '<span class="unbroken">環境局</span> <span class="unbroken">取りまとめ担当</span>',
        "-",
    ]
    assert cells(html, "bureau_names") == ['<span class="unbroken">産業経済局</span>'] * 2


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (
            datetime.datetime(2026, 3, 31, 15, 30, tzinfo=datetime.UTC),
            '<span class="unbroken">2026-04-01</span> <span class="unbroken">00:30</span>',
        ),
        (None, ""),
    ],
)
def test_short_time_is_in_tokyo(moment, shown):
    assert short_time(moment) == shown


def test_unbroken_escapes_names():
    assert unbroken(["<b>局</b>"]) == '<span class="unbroken">&lt;b&gt;局&lt;/b&gt;</span>'


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("令和7年度の実績を反映するため", "令和7年度の実績を反映するため"),
        ("  ", "Excel 取込 (産業経済局.xlsx)"),
    ],
)
def test_an_import_carries_the_reason_typed_at_upload(world, typed, reason):
    client = client_as(world.sangyo)
    response = client.post(
        reverse("admin:plan_project_import"),
        {
            "edition": Project.objects.first().edition_id,
            "workbook": SimpleUploadedFile(
                "産業経済局.xlsx", edited({"P002": "海岸清掃の支援と漂着物の回収"})
            ),
            "reason": typed,
        },
    )
    assert response.status_code == 200
    upload = WorkbookUpload.objects.get()
    if typed.strip():
        assert f"<p>変更理由: {typed}</p>" in response.content.decode()
    client.post(reverse("admin:plan_project_import_confirm", args=[upload.pk]))
    change_request = ChangeRequest.objects.get()
    assert change_request.reason == reason
    assert change_request.source == ChangeRequest.Source.IMPORT


def test_a_reason_too_long_is_refused_and_nothing_is_kept(world):
    response = client_as(world.sangyo).post(
        reverse("admin:plan_project_import"),
        {
            "edition": Project.objects.first().edition_id,
            "workbook": SimpleUploadedFile("産業経済局.xlsx", edited({"P002": "変更"})),
            "reason": "あ" * 2001,
        },
    )
    assert response.status_code == 200
    assert "この値は 2000 文字以下でなければなりません" in response.content.decode()
    assert not WorkbookUpload.objects.exists()


def test_the_list_names_a_requests_bureaus_in_the_citys_order(world):
    """The bureaus of each request in the bureaus' order (display order, then name), whatever the
    order they were added in; a request without bureaus shows none."""
    from accounts.models import Bureau

    several = submit(world, "P002", "海岸清掃を支援する。")
    several.bureaus.clear()
    for name in ("総務市民局", "産業経済局", "環境局"):
        several.bureaus.add(Bureau.objects.get(name=name))
    none = submit(world, "P034", "GX を推進する。")
    none.bureaus.clear()
    html = client_as(world.coordinator).get(reverse("admin:plan_changerequest_changelist")).content
    assert cells(html.decode(), "bureau_names") == [
        "-",  # Django's mark for an empty cell
        unbroken(["環境局", "産業経済局", "総務市民局"]),
    ]


def test_a_filtered_or_searched_queue_says_how_many_of_all(world):
    waiting = submit(world, "P002", "海岸清掃を支援する。")
    decided = submit(world, "P034", "GX を推進する。")
    changes.change_request_approve(acting_user=world.coordinator, change_request=decided)
    client = client_as(world.coordinator)
    url = reverse("admin:plan_changerequest_changelist")

    pending = client.get(url, {"status__exact": "pending"}).content.decode()
    assert '<span class="small quiet">結果 1 (<a href="?">全 2 件</a>)</span>' in pending
    searched = client.get(url, {"q": waiting.title}).content.decode()
    assert '<span class="small quiet">結果 1 (<a href="?">全 2 件</a>)</span>' in searched
    everything = client.get(url).content.decode()
    assert 'class="small quiet"' not in everything
    assert 'name="action"' in everything
    assert len(cells(everything, "title")) == 2
