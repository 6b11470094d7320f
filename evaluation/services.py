"""The evaluation's writes: opening, closing and reminding a round; saving, submitting, returning
and confirming a sheet. Each is keyword-only, atomic, takes ``acting_user`` and asks the policy
(accounts/permissions.py: ``sheet_refusal``, ``may_manage_rounds``).

A sheet's KPI actuals travel through the one change engine: ``sheet_submit`` hands them to
``change_propose`` as one change request (「評価票」 as its source), ``sheet_return`` returns that
request with the comment, ``sheet_confirm`` approves it (``change_request_approve``). The records
are the KPIs' ``KpiActual`` (one per KPI and year), whichever project's sheet they came from.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts import permissions
from accounts.models import Bureau, Role, User
from evaluation.models import EvaluationRound, EvaluationSheet, SheetEvent
from evaluation.states import NOT_SUBMITTED, EventKind, Grade, RoundStatus, SheetAction, SheetState
from kpis.models import ActualStatus, KpiActual, ProjectKpi
from kpis.value_text import value_parts
from plan.changes import (
    ProposedChange,
    change_propose,
    change_request_approve,
    change_request_return,
    change_request_withdraw,
)
from plan.changes.notifications import one_line
from plan.changes.values import normalize_line_endings, require_text
from plan.eras import era_year_label
from plan.models import ChangeRequest, Edition

logger = logging.getLogger(__name__)

#: The most characters a sheet's text field holds (the model's ``max_length``).
TEXT_LIMIT = 10_000
#: The fields a submission needs, with the names people see.
REQUIRED_FIELDS = {
    "achievements": "取組内容と成果",
    "self_assessment": "自己評価",
    "issues": "課題と今後の方向性",
}


class SheetConflict(Exception):
    """The sheet was written after the form was shown: nothing is saved, the person's input is
    kept on the page with this message."""

    def __init__(self, sheet: EvaluationSheet, shown: int):
        who = sheet.saved_by or sheet.submitted_by or sheet.confirmed_by
        by = f" ({who})" if who else ""
        self.messages = [
            f"この評価票は、表示した後に更新されました{by} (表示した版 {shown} → 現在の版 "
            f"{sheet.version})。何も保存していません。入力した内容は下に残っています。"
            "現在の内容を確かめてから、もう一度保存してください。"
        ]
        super().__init__(self.messages[0])


@dataclass(frozen=True)
class ActualInput:
    """A KPI's actual as typed on a sheet: the text as reported and 速報値/確定値."""

    text: str
    status: str = ActualStatus.PRELIMINARY


# --- Rounds ------------------------------------------------------------------------------------


def _require_manager(user) -> None:
    if not permissions.may_manage_rounds(user):
        raise PermissionDenied(permissions.ROUND_MANAGEMENT_REFUSED)


def round_label(fiscal_year: int) -> str:
    return f"{era_year_label(fiscal_year)}年度実績"


@transaction.atomic
def round_open(
    *, acting_user, edition: Edition, fiscal_year: int, deadline: datetime.date
) -> EvaluationRound:
    """「照会の開始」: the round and one sheet per project of the edition (「未着手」).

    A project listed under several measures is one record and gets one sheet. A second round for
    the same edition and year is refused. Queries: a constant number (the sheets in one insert).
    """
    _require_manager(acting_user)
    if not 1989 <= fiscal_year <= 2200:
        raise ValidationError("実績年度は西暦で入れてください (例: 2024)。")
    refusal = ValidationError(
        f"{edition.title}の「{round_label(fiscal_year)}」の照会はすでに開始されています。"
    )
    if EvaluationRound.objects.filter(edition=edition, fiscal_year=fiscal_year).exists():
        raise refusal
    try:
        with transaction.atomic():
            evaluation_round = EvaluationRound.objects.create(
                edition=edition,
                fiscal_year=fiscal_year,
                deadline=deadline,
                opened_by=acting_user,
                opened_at=timezone.now(),
            )
    except IntegrityError as error:  # opened at the same moment by someone else
        raise refusal from error
    sheets = [
        EvaluationSheet(round=evaluation_round, project=project)
        for project in edition.projects.order_by("code")
    ]
    bulk_create_with_history(sheets, EvaluationSheet, default_user=acting_user)
    return evaluation_round


@transaction.atomic
def round_close(*, acting_user, evaluation_round: EvaluationRound) -> EvaluationRound:
    """締切: from now on every sheet of the round is read-only for everyone."""
    _require_manager(acting_user)
    evaluation_round = EvaluationRound.objects.select_for_update().get(pk=evaluation_round.pk)
    if evaluation_round.status == RoundStatus.CLOSED:
        raise ValidationError(permissions.ROUND_ALREADY_CLOSED)
    evaluation_round.status = RoundStatus.CLOSED
    evaluation_round.closed_by = acting_user
    evaluation_round.closed_at = timezone.now()
    evaluation_round.save()
    return evaluation_round


def unsubmitted_by_bureau(evaluation_round: EvaluationRound) -> dict[Bureau, int]:
    """The bureaus owning a project whose sheet is not submitted (「未着手」「作成中」「差し戻し」),
    with how many such sheets each has (a co-owned project counts for each of its bureaus).
    One query."""
    bureaus = (
        Bureau.objects.filter(
            project_links__project__evaluation_sheets__round=evaluation_round,
            project_links__project__evaluation_sheets__state__in=NOT_SUBMITTED,
        )
        .annotate(unsubmitted=Count("project_links__project__evaluation_sheets"))
        .order_by("display_order", "name")
    )
    return {bureau: bureau.unsubmitted for bureau in bureaus}


def round_remind(*, acting_user, evaluation_round: EvaluationRound) -> list[Bureau]:
    """督促: one e-mail per bureau with unsubmitted sheets, to its active staff with an address.
    Returns the bureaus mailed. A failure to send is logged, never raised (the others are sent)."""
    _require_manager(acting_user)
    evaluation_round.refresh_from_db()
    if not evaluation_round.is_open:
        raise PermissionDenied(permissions.ROUND_CLOSED_REFUSED)
    deadline = f"{evaluation_round.deadline.month}月{evaluation_round.deadline.day}日"
    link = (
        f"{settings.SITE_URL.rstrip('/')}{reverse('admin:evaluation_evaluationsheet_changelist')}"
    )
    mailed = []
    for bureau, count in unsubmitted_by_bureau(evaluation_round).items():
        recipients = list(
            User.objects.filter(bureaus=bureau, role=Role.BUREAU_STAFF, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
        if not recipients:
            continue
        subject = one_line(f"【督促】{evaluation_round.title}の評価票の提出 ({bureau.name})")
        body = (
            f"{bureau.name} ご担当者様\n\n"
            f"{evaluation_round.title}の評価票のうち、{bureau.name}の未提出は {count}件です。\n"
            f"提出期限は{deadline}です。次の画面から作成・提出してください。\n\n{link}\n"
        )
        try:
            send_mail(subject, body, None, recipients)
        except Exception:
            logger.exception(
                "Could not send the reminder of round %s to %s", evaluation_round.pk, bureau
            )
            continue
        mailed.append(bureau)
    return mailed


# --- Sheets ------------------------------------------------------------------------------------


def _locked(
    sheet: EvaluationSheet, acting_user, action: str, version: int | None
) -> EvaluationSheet:
    """The sheet, locked, once the policy allows the action and the version is the one shown."""
    locked = (
        EvaluationSheet.objects.select_for_update(of=("self",))
        .select_related("round", "project__edition", "saved_by", "submitted_by", "confirmed_by")
        .get(pk=sheet.pk)
    )
    refusal = permissions.sheet_refusal(acting_user, locked, action)
    if refusal is not None:
        raise PermissionDenied(refusal)
    if version is not None and version != locked.version:
        raise SheetConflict(locked, version)
    return locked


def _bounded_text(value: str, label: str) -> str:
    value = normalize_line_endings(value or "").strip()
    if len(value) > TEXT_LIMIT:
        raise ValidationError(f"「{label}」は {TEXT_LIMIT:,} 文字以内にしてください。")
    return value


def _draft_actuals(sheet: EvaluationSheet, actuals: dict[int, ActualInput]) -> dict[str, dict]:
    """What the sheet proposes for its KPIs' actuals: the inputs that differ from the official
    figure of the round's year (an empty input proposes nothing)."""
    kpi_ids = set(ProjectKpi.objects.filter(project=sheet.project).values_list("kpi_id", flat=True))
    foreign = set(actuals) - kpi_ids
    if foreign:
        raise ValidationError("この事業の KPI ではない実績値があります。画面を開き直してください。")
    official = {
        actual.kpi_id: actual
        for actual in KpiActual.objects.filter(kpi_id__in=kpi_ids, year=sheet.round.fiscal_year)
    }
    draft = {}
    for kpi_id, given in actuals.items():
        text = _bounded_text(given.text, "実績値")
        if given.status not in ActualStatus.values:
            raise ValidationError("実績値の確定状況は「速報値」か「確定値」を選んでください。")
        current = official.get(kpi_id)
        if not text or (current and (current.text, current.status) == (text, given.status)):
            continue
        draft[str(kpi_id)] = {"text": text, "status": given.status}
    return draft


@transaction.atomic
def sheet_save(
    *,
    acting_user,
    sheet: EvaluationSheet,
    version: int,
    achievements: str,
    self_assessment: str,
    issues: str,
    actuals: dict[int, ActualInput] | None = None,
) -> EvaluationSheet:
    """保存 (「作成中」): the form carries the version it showed; a stale save is a SheetConflict
    and changes nothing. A returned sheet stays 「差し戻し」 until it is submitted again."""
    sheet = _locked(sheet, acting_user, SheetAction.SAVE, version)
    if self_assessment not in ["", *Grade.values]:
        raise ValidationError("自己評価は A・B・C・D から選んでください。")
    sheet.achievements = _bounded_text(achievements, REQUIRED_FIELDS["achievements"])
    sheet.self_assessment = self_assessment
    sheet.issues = _bounded_text(issues, REQUIRED_FIELDS["issues"])
    if actuals is not None:
        sheet.draft_actuals = _draft_actuals(sheet, actuals)
    if sheet.state == SheetState.NOT_STARTED:
        sheet.state = SheetState.DRAFT
    sheet.saved_by = acting_user
    sheet.version += 1
    sheet.save()
    return sheet


def _actual_changes(sheet: EvaluationSheet, acting_user) -> list[ProposedChange]:
    """The sheet's proposed actuals as changes to the KPIs' ``KpiActual`` of the round's year:
    an update of the existing record, or a new one."""
    year = sheet.round.fiscal_year
    kpi_ids = [int(kpi_id) for kpi_id in sheet.draft_actuals]
    official = {
        actual.kpi_id: actual for actual in KpiActual.objects.filter(kpi_id__in=kpi_ids, year=year)
    }
    changes = []
    for kpi_id in sorted(kpi_ids):
        given = sheet.draft_actuals[str(kpi_id)]
        current = official.get(kpi_id)
        if current is not None and (current.text, current.status) == (
            given["text"],
            given["status"],
        ):
            continue  # confirmed meanwhile on another project's sheet, as proposed here
        values = {
            "text": given["text"],
            "status": given["status"],
            "entered_by_id": acting_user.pk,
            **value_parts(given["text"]),
        }
        if current is not None:
            changes.append(ProposedChange.update(current, values))
        else:
            changes.append(
                ProposedChange.create(
                    KpiActual, {"kpi_id": kpi_id, "year": year, **values}, key=f"actual-{kpi_id}"
                )
            )
    return changes


def _event(sheet: EvaluationSheet, kind: str, actor, comment: str = "") -> None:
    SheetEvent.objects.create(
        sheet=sheet, kind=kind, actor=actor, at=timezone.now(), comment=comment
    )


@transaction.atomic
def sheet_submit(
    *, acting_user, sheet: EvaluationSheet, version: int | None = None
) -> EvaluationSheet:
    """提出: the required fields must be there (named if not); the sheet's proposed actuals go to
    the coordinators as ONE change request (``change_propose``), which the sheet links to. A
    resubmission after a return amends the same request; a colleague's resubmission withdraws the
    request the sheet carried and makes the colleague's own."""
    sheet = _locked(sheet, acting_user, SheetAction.SUBMIT, version)
    missing = [label for name, label in REQUIRED_FIELDS.items() if not getattr(sheet, name)]
    if missing:
        raise ValidationError(f"提出するには次の項目を入力してください: {'、'.join(missing)}")
    carried = sheet.change_request
    if (
        carried is not None
        and carried.is_open
        and carried.submitted_by_id != acting_user.pk
        and permissions.may_withdraw(acting_user, carried, replacing=sheet)
    ):
        # A colleague's resubmission replaces the request the sheet carried (see may_withdraw).
        change_request_withdraw(acting_user=acting_user, change_request=carried, replacing=sheet)
        sheet.change_request = None
    changes = _actual_changes(sheet, acting_user)
    if changes:
        proposal = change_propose(
            acting_user=acting_user,
            edition=sheet.project.edition,
            changes=changes,
            reason=f"{sheet.round.title}の評価票の実績値",
            title=f"{sheet.round.title}の実績値: {sheet.project.name}",
            project=sheet.project,
            source=ChangeRequest.Source.EVALUATION,
            source_name=sheet.round.title,
        )
        sheet.change_request = proposal.change_request
        if proposal.applied:
            sheet.draft_actuals = {}
    elif sheet.change_request is not None and permissions.may_withdraw(
        acting_user, sheet.change_request
    ):
        change_request_withdraw(acting_user=acting_user, change_request=sheet.change_request)
        sheet.change_request = None
    sheet.state = SheetState.SUBMITTED
    sheet.submitted_by = acting_user
    sheet.submitted_at = timezone.now()
    sheet.version += 1
    sheet.save()
    _event(sheet, EventKind.SUBMITTED, acting_user)
    return sheet


def _pending_request(sheet: EvaluationSheet) -> ChangeRequest | None:
    request = sheet.change_request
    return (
        request if request is not None and request.status == ChangeRequest.Status.PENDING else None
    )


@transaction.atomic
def sheet_return(
    *, acting_user, sheet: EvaluationSheet, comment: str, version: int | None = None
) -> EvaluationSheet:
    """「差し戻し」: with a comment (required); the sheet's pending change request is returned too."""
    comment = require_text(comment, "差し戻しのコメントを入力してください。")
    sheet = _locked(sheet, acting_user, SheetAction.RETURN, version)
    pending = _pending_request(sheet)
    if pending is not None:
        change_request_return(acting_user=acting_user, change_request=pending, comment=comment)
    sheet.state = SheetState.RETURNED
    sheet.return_comment = comment
    sheet.version += 1
    sheet.save()
    _event(sheet, EventKind.RETURNED, acting_user, comment)
    return sheet


@transaction.atomic
def sheet_confirm(
    *, acting_user, sheet: EvaluationSheet, final_grade: str, version: int | None = None
) -> EvaluationSheet:
    """確定: with the final grade; the sheet's pending change request is approved through the one
    approval service (its actuals become the official ``KpiActual``). Nobody confirms their own
    submission. A conflict in applying the request (``ChangeConflict``) changes nothing."""
    sheet = _locked(sheet, acting_user, SheetAction.CONFIRM, version)
    if final_grade not in Grade.values:
        raise ValidationError("最終評価を A・B・C・D から選んでください。")
    request = sheet.change_request
    if request is not None and request.status == ChangeRequest.Status.RETURNED:
        # Returned from the change-request queue rather than with the sheet: its actuals would
        # be lost by confirming; the sheet goes back to the bureau instead.
        raise ValidationError(
            f"実績値の変更申請 #{request.pk} が差し戻されています。評価票を差し戻してください。"
        )
    pending = _pending_request(sheet)
    if pending is not None:
        change_request_approve(acting_user=acting_user, change_request=pending)
    sheet.state = SheetState.CONFIRMED
    sheet.final_grade = final_grade
    sheet.draft_actuals = {}
    sheet.confirmed_by = acting_user
    sheet.confirmed_at = timezone.now()
    sheet.version += 1
    sheet.save()
    _event(sheet, EventKind.CONFIRMED, acting_user)
    return sheet
