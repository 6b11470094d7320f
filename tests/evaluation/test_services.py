"""The sheet's services end to end on the 2024 edition: open, save, submit (one change request
carrying the actuals), return, resubmit, confirm (the request approved), close."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from evaluation.models import EvaluationRound, EvaluationSheet, SheetEvent
from evaluation.services import (
    ActualInput,
    SheetConflict,
    round_close,
    round_open,
    sheet_confirm,
    sheet_return,
    sheet_save,
    sheet_submit,
)
from kpis.models import ActualStatus, Kpi, KpiActual
from plan.changes import ChangeConflict, change_request_return
from plan.models import ChangeRequest
from tests.evaluation.conftest import sheet_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BAMBOO = "P065"  # 放置竹林対策事業 (産業経済局), KPI K035 放置竹林整備面積


def fill(user, sheet: EvaluationSheet, **overrides) -> EvaluationSheet:
    values = {
        "achievements": "竹林 12ha を整備した。",
        "self_assessment": "B",
        "issues": "担い手の確保。",
        "actuals": {Kpi.objects.get(code="K035").pk: ActualInput("12ha")},
        **overrides,
    }
    return sheet_save(acting_user=user, sheet=sheet, version=sheet.version, **values)


def test_opening_a_round_makes_one_sheet_per_project(world, evaluation_round):
    assert evaluation_round.title == "令和6年度実績"
    assert EvaluationSheet.objects.filter(round=evaluation_round).count() == 90
    assert set(EvaluationSheet.objects.values_list("state", flat=True)) == {"not_started"}
    # アジア・グリーン共創ハブ推進事業 is listed under six measures: one sheet.
    assert (
        EvaluationSheet.objects.filter(project__name="アジア・グリーン共創ハブ推進事業").count()
        == 1
    )


def test_a_round_cannot_be_opened_twice(world, evaluation_round, edition_2024):
    with pytest.raises(ValidationError) as refused:
        round_open(
            acting_user=world.coordinator,
            edition=edition_2024,
            fiscal_year=2024,
            deadline=datetime.date(2025, 7, 31),
        )
    assert refused.value.messages == [
        "令和6年(2024年)版の「令和6年度実績」の照会はすでに開始されています。"
    ]
    assert EvaluationRound.objects.count() == 1


@pytest.mark.parametrize("who", ["sangyo", "viewer"])
def test_only_coordinators_open_a_round(world, edition_2024, who):
    with pytest.raises(PermissionDenied):
        round_open(
            acting_user=getattr(world, who),
            edition=edition_2024,
            fiscal_year=2024,
            deadline=datetime.date(2025, 6, 30),
        )
    assert EvaluationRound.objects.count() == 0


def test_the_whole_cycle(world, evaluation_round):
    coordinator2 = UserFactory(username="coordinator2", role="coordinator")
    kpi = Kpi.objects.get(code="K035")
    sheet = fill(world.sangyo, sheet_of(evaluation_round, BAMBOO))
    assert (sheet.state, sheet.version) == ("draft", 2)
    assert sheet.draft_actuals == {str(kpi.pk): {"text": "12ha", "status": "preliminary"}}

    sheet = sheet_submit(acting_user=world.sangyo, sheet=sheet, version=sheet.version)
    request = sheet.change_request
    assert (sheet.state, request.status, request.source) == ("submitted", "pending", "evaluation")
    assert [item.model_label for item in request.items.all()] == ["kpis.kpiactual"]
    assert KpiActual.objects.count() == 0  # waits for the coordinator

    sheet = sheet_return(
        acting_user=world.coordinator, sheet=sheet, comment="整備面積の出典を書いてください。"
    )
    request.refresh_from_db()
    assert (sheet.state, request.status) == ("returned", "returned")
    assert request.decision_comment == "整備面積の出典を書いてください。"

    sheet = fill(world.sangyo, sheet, issues="担い手の確保。出典: 林務課の集計。")
    assert sheet.state == "returned"  # stays returned until submitted again
    sheet = sheet_submit(acting_user=world.sangyo, sheet=sheet, version=sheet.version)
    assert sheet.change_request_id == request.pk  # the same request, amended
    request.refresh_from_db()
    assert (request.status, request.revision) == ("pending", 2)

    sheet = sheet_confirm(acting_user=coordinator2, sheet=sheet, final_grade="B")
    request.refresh_from_db()
    actual = KpiActual.objects.get()
    assert (sheet.state, sheet.final_grade, request.status) == ("confirmed", "B", "approved")
    assert (actual.kpi, actual.year, actual.text, actual.value, actual.unit) == (
        kpi,
        2024,
        "12ha",
        Decimal("12"),
        "ha",
    )
    assert (actual.entered_by, actual.status) == (world.sangyo, ActualStatus.PRELIMINARY)
    assert [(event.kind, event.actor.username) for event in sheet.events.all()] == [
        ("submitted", "sangyo"),
        ("returned", "coordinator"),
        ("submitted", "sangyo"),
        ("confirmed", "coordinator2"),
    ]
    assert (
        sheet.history.count() == 7
    )  # created, saved, submitted, returned, saved, submitted, confirmed


def test_a_stale_save_is_a_conflict_and_changes_nothing(world, evaluation_round):
    colleague = UserFactory(
        username="sangyo2", role="bureau_staff", bureaus=world.sangyo.bureaus.all()
    )
    shown = sheet_of(evaluation_round, BAMBOO)
    fill(colleague, shown, achievements="同僚が先に保存した。")
    with pytest.raises(SheetConflict) as conflict:
        fill(world.sangyo, shown, achievements="後から保存しようとした。")
    assert "表示した版 1 → 現在の版 2" in conflict.value.messages[0]
    assert sheet_of(evaluation_round, BAMBOO).achievements == "同僚が先に保存した。"


def test_a_submission_names_the_missing_fields(world, evaluation_round):
    sheet = fill(world.sangyo, sheet_of(evaluation_round, BAMBOO), achievements="", issues="")
    with pytest.raises(ValidationError) as refused:
        sheet_submit(acting_user=world.sangyo, sheet=sheet, version=sheet.version)
    assert refused.value.messages == [
        "提出するには次の項目を入力してください: 取組内容と成果、課題と今後の方向性"
    ]
    sheet.refresh_from_db()
    assert (sheet.state, ChangeRequest.objects.count()) == ("draft", 0)


def test_a_return_needs_a_comment(world, evaluation_round):
    sheet = fill(world.sangyo, sheet_of(evaluation_round, BAMBOO))
    sheet = sheet_submit(acting_user=world.sangyo, sheet=sheet)
    with pytest.raises(ValidationError) as refused:
        sheet_return(acting_user=world.coordinator, sheet=sheet, comment="  ")
    assert refused.value.messages == ["差し戻しのコメントを入力してください。"]
    assert sheet_of(evaluation_round, BAMBOO).state == "submitted"


def test_nobody_confirms_their_own_submission(world, evaluation_round):
    sheet = fill(world.coordinator, sheet_of(evaluation_round, BAMBOO))
    sheet = sheet_submit(acting_user=world.coordinator, sheet=sheet)
    # A coordinator's own actuals are applied at once, like every coordinator edit.
    assert sheet.change_request.status == "applied"
    with pytest.raises(PermissionDenied) as refused:
        sheet_confirm(acting_user=world.coordinator, sheet=sheet, final_grade="A")
    assert str(refused.value) == (
        "自分が提出した評価票は確定できません。ほかの取りまとめ担当に確定を依頼してください。"
    )
    assert sheet_of(evaluation_round, BAMBOO).state == "submitted"


def test_a_shared_kpi_has_one_actual_whichever_sheet_entered_it(world, evaluation_round):
    """K040 is shared by P071, P072 and P073: confirmed on P071's sheet, it is the official figure
    the other two sheets show, and the same record."""
    kpi = Kpi.objects.get(code="K040")
    sheet = fill(
        world.sangyo,
        sheet_of(evaluation_round, "P071"),
        actuals={kpi.pk: ActualInput("3.5%", ActualStatus.FINAL)},
    )
    sheet = sheet_submit(acting_user=world.sangyo, sheet=sheet)
    sheet_confirm(acting_user=world.coordinator, sheet=sheet, final_grade="A")
    other = fill(
        world.sangyo,
        sheet_of(evaluation_round, "P072"),
        actuals={kpi.pk: ActualInput("3.5%", ActualStatus.FINAL)},
    )
    assert other.draft_actuals == {}  # the same as the official figure: nothing to propose
    assert KpiActual.objects.filter(kpi=kpi).count() == 1


def test_a_closed_round_is_read_only(world, evaluation_round):
    sheet = sheet_of(evaluation_round, BAMBOO)
    round_close(acting_user=world.coordinator, evaluation_round=evaluation_round)
    with pytest.raises(PermissionDenied) as refused:
        fill(world.sangyo, sheet)
    assert str(refused.value) == "この照会は締め切られています。評価票は閲覧だけができます。"
    assert SheetEvent.objects.count() == 0
    assert sheet_of(evaluation_round, BAMBOO).version == 1


def test_staff_cannot_propose_actuals_of_another_projects_kpi(world, evaluation_round):
    foreign = Kpi.objects.get(code="K002")  # a KPI of another project of the same bureau
    with pytest.raises(ValidationError):
        fill(
            world.sangyo,
            sheet_of(evaluation_round, BAMBOO),
            actuals={foreign.pk: ActualInput("1件")},
        )
    assert sheet_of(evaluation_round, BAMBOO).version == 1


def test_two_sheets_proposing_a_shared_kpis_first_actual(world, evaluation_round):
    """P071 and P072 share K040 and both propose its first actual: the first confirmed creates
    it; confirming the second is a conflict that changes nothing; returned and resubmitted, it
    proposes an update of the same record."""
    kpi = Kpi.objects.get(code="K040")
    first, second = (
        sheet_submit(
            acting_user=world.sangyo,
            sheet=fill(
                world.sangyo, sheet_of(evaluation_round, code), actuals={kpi.pk: ActualInput(text)}
            ),
        )
        for code, text in (("P071", "3.5%"), ("P072", "3.6%"))
    )
    sheet_confirm(acting_user=world.coordinator, sheet=first, final_grade="A")
    with pytest.raises(ChangeConflict):
        sheet_confirm(acting_user=world.coordinator, sheet=second, final_grade="A")
    second = sheet_of(evaluation_round, "P072")
    assert (second.state, KpiActual.objects.get(kpi=kpi).text) == ("submitted", "3.5%")

    second = sheet_return(
        acting_user=world.coordinator, sheet=second, comment="3.5% で確定済みです。"
    )
    second = sheet_submit(acting_user=world.sangyo, sheet=second)
    assert [item.operation for item in second.change_request.items.all()] == ["update"]
    sheet_confirm(acting_user=world.coordinator, sheet=second, final_grade="A")
    assert list(KpiActual.objects.filter(kpi=kpi).values_list("text", flat=True)) == ["3.6%"]


def test_a_request_returned_from_the_queue_blocks_confirmation(world, evaluation_round):
    sheet = sheet_submit(
        acting_user=world.sangyo, sheet=fill(world.sangyo, sheet_of(evaluation_round, BAMBOO))
    )
    change_request_return(
        acting_user=world.coordinator, change_request=sheet.change_request, comment="単位を"
    )
    with pytest.raises(ValidationError) as refused:
        sheet_confirm(acting_user=world.coordinator, sheet=sheet, final_grade="B")
    assert refused.value.messages == [
        f"実績値の変更申請 #{sheet.change_request_id} が差し戻されています。評価票を差し戻してください。"
    ]
    assert (sheet_of(evaluation_round, BAMBOO).state, KpiActual.objects.count()) == ("submitted", 0)


def test_a_colleague_resubmitting_a_returned_sheet_leaves_no_request_behind(
    world, evaluation_round
):
    """The sheet was submitted by sangyo and returned; a colleague of the same bureau corrects
    and resubmits it. The request sangyo's submission made is withdrawn (by the colleague, on the
    request's thread), not left 「差し戻し」 in sangyo's list for ever; confirming approves the
    colleague's request."""
    colleague = UserFactory(
        username="sangyo2", role="bureau_staff", bureaus=world.sangyo.bureaus.all()
    )
    sheet = fill(world.sangyo, sheet_of(evaluation_round, BAMBOO))
    sheet = sheet_submit(acting_user=world.sangyo, sheet=sheet, version=sheet.version)
    first = sheet.change_request
    sheet = sheet_return(
        acting_user=world.coordinator, sheet=sheet, comment="出典を書いてください。"
    )

    sheet = fill(colleague, sheet, actuals={Kpi.objects.get(code="K035").pk: ActualInput("13ha")})
    sheet = sheet_submit(acting_user=colleague, sheet=sheet, version=sheet.version)
    first.refresh_from_db()
    second = sheet.change_request
    assert (first.status, second.status) == ("withdrawn", "pending")
    assert (second.submitted_by, [item.proposed["text"] for item in second.items.all()]) == (
        colleague,
        ["13ha"],
    )
    assert [(event.kind, event.actor.username) for event in first.events.all()] == [
        ("submitted", "sangyo"),
        ("returned", "coordinator"),
        ("withdrawn", "sangyo2"),
    ]
    assert ChangeRequest.objects.filter(status__in=["pending", "returned"]).count() == 1

    sheet_confirm(acting_user=world.coordinator, sheet=sheet, final_grade="B")
    assert KpiActual.objects.get().text == "13ha"


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("sangyo", True),  # the submitter
        ("sangyo2", True),  # a colleague who may submit the sheet
        ("kankyo_staff", False),  # staff of another bureau
        ("coordinator", True),  # may submit a sheet on the bureau's behalf (SHEET_RULES)
        ("viewer", False),
    ],
)
def test_who_may_withdraw_the_request_a_returned_sheet_carries(
    world, evaluation_round, who, expected
):
    from accounts import permissions
    from accounts.models import Bureau

    people = {
        "sangyo": world.sangyo,
        "sangyo2": UserFactory(role="bureau_staff", bureaus=world.sangyo.bureaus.all()),
        "kankyo_staff": UserFactory(
            role="bureau_staff", bureaus=[Bureau.objects.get(name="環境局")]
        ),
        "coordinator": world.coordinator,
        "viewer": world.viewer,
    }
    sheet = fill(world.sangyo, sheet_of(evaluation_round, BAMBOO))
    sheet = sheet_submit(acting_user=world.sangyo, sheet=sheet, version=sheet.version)
    sheet = sheet_return(
        acting_user=world.coordinator, sheet=sheet, comment="出典を書いてください。"
    )
    request = sheet.change_request
    assert permissions.may_withdraw(people[who], request, replacing=sheet) is expected
    # On its own (the review page's 「取り下げ」), only the submitter withdraws it.
    assert permissions.may_withdraw(people[who], request) is (who == "sangyo")


def test_a_colleague_may_not_withdraw_the_request_of_a_sheet_waiting_for_review(
    world, evaluation_round
):
    from accounts import permissions

    colleague = UserFactory(role="bureau_staff", bureaus=world.sangyo.bureaus.all())
    sheet = fill(world.sangyo, sheet_of(evaluation_round, BAMBOO))
    sheet = sheet_submit(acting_user=world.sangyo, sheet=sheet, version=sheet.version)
    assert sheet.change_request.status == "pending"
    assert permissions.may_withdraw(colleague, sheet.change_request, replacing=sheet) is False
    assert permissions.may_withdraw(world.sangyo, sheet.change_request) is True


def test_two_open_rounds_of_one_edition_keep_their_requests_apart(
    world, evaluation_round, edition_2024
):
    """FY2024's round is still open when FY2025's opens; sangyo submits the same project's sheet
    in both. Each sheet carries its own request with its own year's actual: the second
    submission does not take over (and empty) the first's request."""
    later = round_open(
        acting_user=world.coordinator,
        edition=edition_2024,
        fiscal_year=2025,
        deadline=datetime.date(2026, 6, 30),
    )
    k035 = Kpi.objects.get(code="K035").pk
    first = fill(world.sangyo, sheet_of(evaluation_round, BAMBOO))
    first = sheet_submit(acting_user=world.sangyo, sheet=first, version=first.version)
    second = fill(world.sangyo, sheet_of(later, BAMBOO), actuals={k035: ActualInput("15ha")})
    second = sheet_submit(acting_user=world.sangyo, sheet=second, version=second.version)
    assert first.change_request_id != second.change_request_id
    assert [
        (item.proposed["year"], item.proposed["text"])
        for request in (first.change_request, second.change_request)
        for item in request.items.all()
    ] == [(2024, "12ha"), (2025, "15ha")]

    sheet_confirm(
        acting_user=world.coordinator, sheet=sheet_of(evaluation_round, BAMBOO), final_grade="B"
    )
    sheet_confirm(acting_user=world.coordinator, sheet=sheet_of(later, BAMBOO), final_grade="A")
    assert list(KpiActual.objects.order_by("year").values_list("year", "text")) == [
        (2024, "12ha"),
        (2025, "15ha"),
    ]
