"""The audit log: filters (who, when, which bureau, source, words), the initial load left out,
a CSV export in Asia/Tokyo time, and 「この時点に戻す」 asking first."""

import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Bureau, Role
from plan import changes
from plan.changes import ProposedChange
from plan.models import Project
from tests.admin_forms import client_as
from tests.factories import UserFactory
from tests.world import submit_summary

pytestmark = pytest.mark.django_db

AUDIT = "admin:plan_changerequest_audit"


@pytest.fixture
def log(world):
    """The published edition's first versions (the initial load), then two approved requests:
    産業経済局's P002 and 環境局's P001, and a coordinator's direct edit of P003."""
    call_command("populate_history", auto=True, verbosity=0)
    kankyo_staff = UserFactory(
        username="kankyo", role=Role.BUREAU_STAFF, bureaus=[Bureau.objects.get(name="環境局")]
    )
    for user, code, summary in (
        (world.sangyo, "P002", "海岸清掃とリサイクルを支援する。"),
        (kankyo_staff, "P001", "ボランティア袋を配る。"),
    ):
        request = submit_summary(user, Project.objects.get(code=code), summary)
        changes.change_request_approve(acting_user=world.coordinator, change_request=request)
    project = Project.objects.get(code="P003")
    changes.change_direct_apply(
        acting_user=world.coordinator,
        edition=project.edition,
        changes=[ProposedChange.update(project, {"name": "まち美化啓発事業"})],
        reason="名称の整理",
        title=project.name,
        project=project,
    )
    return {"kankyo": kankyo_staff, **vars(world)}


def objects(client, **params) -> list[str]:
    response = client.get(reverse(AUDIT), params)
    assert response.status_code == 200
    return [row["object"] for row in response.context["rows"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["まち美化啓発事業", "まち美化ボランティアへの助成事業", "海岸漂着物処理推進事業"]),
        ({"person": "sangyo"}, ["海岸漂着物処理推進事業"]),
        ({"bureau": "環境局"}, ["まち美化啓発事業", "まち美化ボランティアへの助成事業"]),
        ({"q": "リサイクル"}, ["海岸漂着物処理推進事業"]),
        ({"q": "P001"}, ["まち美化ボランティアへの助成事業"]),
        ({"q": "名称の整理"}, ["まち美化啓発事業"]),
        ({"since": "2000-01-01", "until": "2000-12-31"}, []),
    ],
)
def test_filters(log, params, expected):
    client = client_as(log["coordinator"])
    if "person" in params:
        params["person"] = str(log[params["person"]].pk)
    if "bureau" in params:
        params["bureau"] = str(Bureau.objects.get(name=params["bureau"]).pk)
    assert objects(client, **params) == expected


def test_the_initial_load_is_hidden_unless_asked_for(log):
    client = client_as(log["coordinator"])
    initial = client.get(reverse(AUDIT), {"source": "initial"}).context["audit_count"]
    assert initial > 300  # every record of the published edition, as loaded
    assert client.get(reverse(AUDIT)).context["audit_count"] == 3


def test_today_in_tokyo(log):
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    assert len(objects(client_as(log["coordinator"]), since=today, until=today)) == 3


def test_dates_in_the_wrong_order_are_refused(log):
    response = client_as(log["coordinator"]).get(
        reverse(AUDIT), {"since": "2026-05-01", "until": "2026-04-01"}
    )
    assert "「いつから」は「いつまで」より前の日にしてください。" in response.content.decode()


def test_csv_export(log):
    response = client_as(log["coordinator"]).get(
        reverse(AUDIT), {"person": str(log["sangyo"].pk), "export": "1"}
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == [
        "日時",
        "種類",
        "対象の種類",
        "対象",
        "内容 (変更前 → 変更後)",
        "申請者",
        "承認者",
        "変更申請",
        "経路",
    ]
    assert len(rows) == 2
    when, kind, model, name, content, proposer, approver, number, source = rows[1]
    assert datetime.datetime.strptime(when, "%Y-%m-%d %H:%M")
    assert (kind, model, name) == ("変更", "個別プロジェクト", "海岸漂着物処理推進事業")
    assert content == (
        "概要: ボランティアによる海岸清掃活動の支援を行う。 → 海岸清掃とリサイクルを支援する。"
    )
    assert (proposer, approver, source) == ("sangyo", "coordinator", "管理画面")
    assert number.startswith("#")


def test_the_export_is_in_tokyo_time(log):
    project = Project.history.filter(history_type="~").order_by("history_date").first()
    Project.history.filter(history_id=project.history_id).update(
        history_date=datetime.datetime(2026, 3, 31, 15, 30, tzinfo=datetime.UTC)
    )
    response = client_as(log["coordinator"]).get(reverse(AUDIT), {"q": project.code, "export": "1"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8")[1:])))
    assert rows[1][0] == "2026-04-01 00:30"


def test_staff_cannot_read_or_export_it(log):
    assert client_as(log["sangyo"]).get(reverse(AUDIT), {"export": "1"}).status_code == 403


def test_restoring_asks_first(log):
    project = Project.objects.get(code="P002")
    html = (
        client_as(log["coordinator"])
        .get(reverse("admin:plan_project_history", args=[project.pk]))
        .content.decode()
    )
    assert 'data-confirm="' in html
    assert "の状態に戻します (変更申請として記録されます)。よろしいですか?" in html
    assert "plan/confirm.js" in html


def change_p002_directly(log) -> None:
    """A coordinator's direct change to P002's 概要 (one new historical row)."""
    project = Project.objects.get(code="P002")
    changes.change_direct_apply(
        acting_user=log["coordinator"],
        edition=project.edition,
        changes=[ProposedChange.update(project, {"summary": "リサイクル品を回収する。"})],
        reason="概要の更新",
        title=project.name,
        project=project,
    )


def test_a_kept_log_shows_each_change_at_the_next_view(log):
    """The count, the page's keys and its rows are kept between views
    (plan.admin.audit.audit_kept); each change to the plan is seen at the next view, filtered or
    not."""
    client = client_as(log["coordinator"])
    assert objects(client) == [
        "まち美化啓発事業",
        "まち美化ボランティアへの助成事業",
        "海岸漂着物処理推進事業",
    ]
    assert objects(client, q="リサイクル") == ["海岸漂着物処理推進事業"]
    change_p002_directly(log)

    assert objects(client) == [
        "海岸漂着物処理推進事業",
        "まち美化啓発事業",
        "まち美化ボランティアへの助成事業",
        "海岸漂着物処理推進事業",
    ]
    assert objects(client, q="リサイクル") == ["海岸漂着物処理推進事業", "海岸漂着物処理推進事業"]
    assert client.get(reverse(AUDIT)).context["audit_count"] == 4


def test_the_kept_log_would_be_stale_with_a_constant_stamp(log, monkeypatch):
    """The test above relies on the stamp: with one that never moves, the kept page is shown."""
    from plan import db_stamp

    monkeypatch.setattr(db_stamp, "database_stamp", lambda *_args: "constant")
    client = client_as(log["coordinator"])
    before = objects(client)
    change_p002_directly(log)
    assert objects(client) == before


def test_a_kept_log_shows_a_renamed_bureau_and_person_at_the_next_view(log):
    """Bureaus and people keep no history: a bureau's name (in its projects' rows) moves the stamp,
    and the people are read on each view."""
    client = client_as(log["coordinator"])

    def bureau_rows() -> list[str]:
        names = set()
        for page in range(1, 30):
            response = client.get(reverse(AUDIT), {"source": "initial", "page": page})
            names |= {
                row["object"] for row in response.context["rows"] if row["model_name"] == "所管局"
            }
            if page >= response.context["page"].paginator.num_pages:
                return sorted(names)
        raise AssertionError("more pages than expected")

    def people() -> set[str]:
        rows = client.get(reverse(AUDIT)).context["rows"]
        return {str(row["record"].proposed_by) for row in rows if row["record"].proposed_by}

    before = bureau_rows()
    assert any(name.endswith(" / 環境局") for name in before)
    bureau = Bureau.objects.get(name="環境局")
    bureau.name = "環境局 (新)"
    bureau.save()
    log["sangyo"].last_name, log["sangyo"].first_name = "産業", "花子"
    log["sangyo"].save()

    after = bureau_rows()
    assert after == sorted(name.replace(" / 環境局", " / 環境局 (新)") for name in before)
    assert after != before
    assert "産業 花子 (sangyo)" in people()
