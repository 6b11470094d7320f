"""督促: exactly the bureaus with unsubmitted sheets get mail, addressed to their staff."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from accounts.models import Bureau, Role
from evaluation.models import EvaluationSheet
from evaluation.services import round_close, round_remind, unsubmitted_by_bureau
from evaluation.states import SheetState
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

STAFFED = (
    "環境局",
    "産業経済局",
    "都市整備局",
    "都市戦略局",
    "総務市民局",
    "財政・変革局",
    "港湾空港局",
)


@pytest.fixture
def staff(world):
    """One staff member with an address in each of seven bureaus (and one without an address)."""
    world.sangyo.email = "sangyo@city.example"
    world.sangyo.save()
    people = {"産業経済局": world.sangyo}
    for number, name in enumerate(STAFFED):
        if name not in people:
            people[name] = UserFactory(
                role=Role.BUREAU_STAFF,
                email=f"staff{number}@city.example",
                bureaus=[Bureau.objects.get(name=name)],
            )
    UserFactory(role=Role.BUREAU_STAFF, email="", bureaus=[Bureau.objects.get(name="環境局")])
    UserFactory(role=Role.VIEWER, email="viewer@city.example")
    return people


def test_remind_mails_exactly_the_bureaus_with_unsubmitted_sheets(world, staff, evaluation_round):
    sheets = EvaluationSheet.objects.filter(round=evaluation_round)
    sheets.update(state=SheetState.SUBMITTED)
    # 産業経済局: one draft. P036 (都市整備局 and 都市戦略局): returned. P040 (環境局, 総務市民局,
    # 財政・変革局): not started. Every other sheet is submitted.
    sheets.filter(project__code="P065").update(state=SheetState.DRAFT)
    sheets.filter(project__code="P036").update(state=SheetState.RETURNED, return_comment="要修正")
    sheets.filter(project__code="P040").update(state=SheetState.NOT_STARTED)

    counts = {
        bureau.name: count for bureau, count in unsubmitted_by_bureau(evaluation_round).items()
    }
    assert counts == {
        "環境局": 1,
        "産業経済局": 1,
        "都市整備局": 1,
        "都市戦略局": 1,
        "総務市民局": 1,
        "財政・変革局": 1,
    }
    mailed = round_remind(acting_user=world.coordinator, evaluation_round=evaluation_round)
    assert [bureau.name for bureau in mailed] == [
        "環境局",
        "産業経済局",
        "都市整備局",
        "都市戦略局",
        "総務市民局",
        "財政・変革局",
    ]
    by_subject = {message.subject: message.to for message in mail.outbox}
    assert by_subject == {
        "【督促】令和6年度実績の評価票の提出 (環境局)": ["staff0@city.example"],
        "【督促】令和6年度実績の評価票の提出 (産業経済局)": ["sangyo@city.example"],
        "【督促】令和6年度実績の評価票の提出 (都市整備局)": ["staff2@city.example"],
        "【督促】令和6年度実績の評価票の提出 (都市戦略局)": ["staff3@city.example"],
        "【督促】令和6年度実績の評価票の提出 (総務市民局)": ["staff4@city.example"],
        "【督促】令和6年度実績の評価票の提出 (財政・変革局)": ["staff5@city.example"],
    }
    assert "未提出は 1件です。\n提出期限は6月30日です。" in mail.outbox[1].body


def test_nothing_unsubmitted_no_mail(world, staff, evaluation_round):
    EvaluationSheet.objects.update(state=SheetState.SUBMITTED)
    assert round_remind(acting_user=world.coordinator, evaluation_round=evaluation_round) == []
    assert mail.outbox == []


def test_only_coordinators_remind_and_not_in_a_closed_round(world, staff, evaluation_round):
    with pytest.raises(PermissionDenied):
        round_remind(acting_user=world.sangyo, evaluation_round=evaluation_round)
    round_close(acting_user=world.coordinator, evaluation_round=evaluation_round)
    with pytest.raises(PermissionDenied):
        round_remind(acting_user=world.coordinator, evaluation_round=evaluation_round)
    assert mail.outbox == []
