"""The permission policy: who may do what on which object. The one place this is decided.

Django asks it through ``accounts.backends.PolicyBackend`` (``user.has_perm("plan.change_project",
project)``); the admin, import resources and services ask ``user.has_perm`` and never re-decide.

The rules per role:

- Bureau staff (「所管局担当者」): view the whole plan; change the projects their bureau is
  responsible for (「共管」 included) and the KPIs linked to them; add a project only with their
  own bureau among its 「所管局」 (checked on save). They cannot change 「政策目標」,
  「基本施策」, listings, bureaus or users, and cannot delete projects or KPIs (they can unlink
  a KPI).
- Coordinators (「取りまとめ担当」, 環境局): view and change the whole plan, and maintain
  「政策目標」, 「基本施策」 and listings.
- Viewers (「閲覧者」): view everything, change nothing.
- System administrators (「システム管理者」): manage users, bureaus and memberships, read the
  sign-in records and the record of changes to users, and unlock accounts. They cannot change
  the user record (password included) of themselves, another system administrator or a
  superuser, and cannot grant anyone the 「システム管理者」 role (nobody can raise their own
  rights or impersonate someone stronger). The plan's content they only view.

The yearly evaluation (「進捗評価」: the round 「評価の照会」 and its 「評価票」): coordinators open,
close and remind a round (「督促」) and read its 「提出状況」 and report. A sheet is edited and
submitted by the staff of the project's bureaus (「共管」 included) and by coordinators; coordinators
return or confirm it (never their own submission). Before confirmation a sheet is read by its
bureaus' staff and the coordinators, after it by everyone. Nothing changes in a closed round. The
rules per state are the table ``SHEET_RULES``.

A question without an object (``obj=None``) means "may they do this to at least one thing of
this kind?" (as Django's admin asks for lists and the index).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q

from accounts.models import Role
from accounts.policy_facts import (
    is_active_member as is_active_member,
)
from accounts.policy_facts import (
    kpi_bureau_ids as kpi_bureau_ids,
)
from accounts.policy_facts import (
    kpi_bureau_ids_by_pk as kpi_bureau_ids_by_pk,
)
from accounts.policy_facts import (
    kpi_bureau_ids_of as kpi_bureau_ids_of,
)
from accounts.policy_facts import (
    kpi_bureaus_read_together as kpi_bureaus_read_together,
)
from accounts.policy_facts import (
    owned_bureau_ids as owned_bureau_ids,
)
from accounts.policy_facts import (
    project_bureau_ids as project_bureau_ids,
)
from accounts.policy_facts import (
    user_bureau_ids as user_bureau_ids,
)
from evaluation.states import RoundStatus, SheetAction, SheetState

if TYPE_CHECKING:
    from django.db.models import Model

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
ACTIONS = (VIEW, ADD, CHANGE, DELETE)

# Models whose content is the plan itself (everyone with a role reads them).
PLAN_STRUCTURE = {"plan.plan", "plan.edition", "plan.policygoal", "plan.measure", "plan.listing"}
PROJECT_CONTENT = {"plan.project", "plan.projectbureau"}
KPI_CONTENT = {"kpis.kpi", "kpis.kpivalue", "kpis.projectkpi"}
# A KPI's yearly 「実績値」: read by everyone, proposed by the staff of a bureau owning one of the
# KPI's projects (as a change request), entered directly by coordinators, like the KPI itself.
KPI_ACTUALS = {"kpis.kpiactual"}
ACCOUNT_ADMINISTRATION = {"accounts.user", "accounts.bureau"}
# Sign-in records (django-axes, shown through proxies in accounts): read by system administrators;
# deleting a lockout record unlocks the account.
SIGN_IN_RECORDS = {"accounts.lockoutrecord", "accounts.signinrecord", "accounts.failedsigninrecord"}
# Who changed which account, when (the admin's log of user records): read by system administrators.
ACCOUNT_RECORDS = {"accounts.accountchangerecord"}
READABLE_BY_ALL_ROLES = (
    PLAN_STRUCTURE | PROJECT_CONTENT | KPI_CONTENT | KPI_ACTUALS | {"accounts.bureau"}
)


def split_permission(perm: str) -> tuple[str, str] | None:
    """「plan.change_project」→ ("change", "plan.project")。"""
    app_label, _, codename = perm.partition(".")
    action, _, model_name = codename.partition("_")
    if not app_label or action not in ACTIONS or not model_name:
        return None
    return action, f"{app_label}.{model_name}"


# --- Editions (版): publishing freezes their content ------------------------------------------

#: The content of an edition and the way from each record to its edition (an ORM lookup path;
#: empty for the edition itself). Publishing freezes exactly these models: yearly records kept
#: beside the plan (実績値, 評価シート) are not in this table and stay writable.
EDITION_CONTENT: dict[str, str] = {
    "plan.edition": "",
    "plan.policygoal": "edition",
    "plan.measure": "goal__edition",
    "plan.project": "edition",
    "plan.projectbureau": "project__edition",
    "plan.listing": "measure__goal__edition",
    "kpis.kpi": "edition",
    "kpis.kpivalue": "kpi__edition",
    "kpis.projectkpi": "project__edition",
}

EDITION_FROZEN_REFUSED = "{title}は公表済のため変更できません。"


def edition_frozen_refusal(edition) -> str | None:
    """Why a record of ``edition`` may not be created, changed or deleted, or None if it may.

    The rule: a published edition (公表済) is frozen for everyone, on every door (the admin, the
    change engine, imports, restores, commands); only an edition being edited (編集中) changes.
    """
    if edition is not None and edition.status == "published":
        return EDITION_FROZEN_REFUSED.format(title=edition.title)
    return None


def edition_of(model_label: str, obj: Any):
    """The edition a record of the edition's content belongs to (None for other records)."""
    path = EDITION_CONTENT.get(model_label)
    if path is None or obj is None:
        return None
    for name in path.split("__") if path else ():
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return obj


def is_frozen(model_label: str, obj: Any) -> bool:
    if obj is None or model_label not in EDITION_CONTENT:
        return False
    if model_label == "plan.edition" and obj.pk is None:
        return False
    return edition_frozen_refusal(edition_of(model_label, obj)) is not None


def acts_as_coordinator(user) -> bool:
    """An active coordinator (or superuser): the whole plan, every bureau. The one place this
    is decided; each rule below that gives coordinators more asks it."""
    return is_active_member(user) and (user.is_superuser or user.role == Role.COORDINATOR)


def _staff_of_any(user, bureau_ids) -> bool:
    """Active bureau staff with one of ``bureau_ids`` among their bureaus (a callable is asked
    only for staff, so that nobody else costs a query)."""
    if not (is_active_member(user) and user.role == Role.BUREAU_STAFF):
        return False
    return bool(set(bureau_ids() if callable(bureau_ids) else bureau_ids) & user_bureau_ids(user))


PUBLISHING_REFUSED = "版を公表できるのは取りまとめ担当だけです。"
NEXT_EDITION_REFUSED = "次の版を作成できるのは取りまとめ担当だけです。"
ACKNOWLEDGING_REFUSED = "公表前チェックの指摘を確認済みにできるのは取りまとめ担当だけです。"


def may_manage_editions(user) -> bool:
    """Publish an edition, create the next one, acknowledge findings before publishing: a
    coordinator's work. Refused with ``PUBLISHING_REFUSED``, ``NEXT_EDITION_REFUSED`` and
    ``ACKNOWLEDGING_REFUSED``."""
    return acts_as_coordinator(user)


def can(user, action: str, model_label: str, obj: Model | None = None) -> bool:
    """May ``user`` do ``action`` (view/add/change/delete) on ``model_label`` (or on ``obj``)?"""
    if not is_active_member(user) or action not in ACTIONS:
        return False
    role = user.role
    if model_label in EVALUATION_RECORDS:
        return evaluation_can(user, action, model_label, obj)
    if model_label == "plan.changerequest":
        return action == VIEW and may_view_change_request(user, obj)
    if action != VIEW and is_frozen(model_label, obj):
        return False  # a published edition's content: see ``edition_frozen_refusal``
    if action == VIEW:
        if model_label in READABLE_BY_ALL_ROLES:
            return role in Role.values
        return (
            model_label in {"accounts.user"} | SIGN_IN_RECORDS | ACCOUNT_RECORDS
            and role == Role.SYSTEM_ADMIN
        )

    if role == Role.SYSTEM_ADMIN:
        if model_label == "accounts.lockoutrecord":
            return action == DELETE
        if model_label == "accounts.user" and obj is not None:
            return may_manage_account(user, obj)
        return model_label in ACCOUNT_ADMINISTRATION
    if role == Role.COORDINATOR:
        return model_label in PLAN_STRUCTURE | PROJECT_CONTENT | KPI_CONTENT | KPI_ACTUALS
    if role != Role.BUREAU_STAFF:
        return False
    return staff_can(user, action, model_label, obj)


def staff_can(user, action: str, model_label: str, obj: Model | None) -> bool:
    """Bureau staff change only the content of their own bureaus' projects (and their KPIs)."""
    if model_label not in PROJECT_CONTENT | KPI_CONTENT | KPI_ACTUALS:
        return False
    if model_label in {"plan.project", "kpis.kpi"} and action == DELETE:
        return False  # a project goes through the coordinator; a KPI may be shared with others
    mine = user_bureau_ids(user)
    if not mine:
        return False
    if obj is None or obj.pk is None:
        return True  # the kind of thing; the object is checked when it exists (or when it is saved)
    return bool(owned_bureau_ids(model_label, obj) & mine)


BUREAU_ASSIGNMENT_REFUSED = "所管局には、あなたの所属する局を少なくとも一つ含めてください。"


def may_assign_bureaus(user, bureau_ids: set[int]) -> bool:
    """Staff may save a project only with one of their own bureaus among its responsible bureaus.

    (Coordinators may assign any bureaus.) This keeps staff from creating a project for another
    bureau, or handing their own project over to another bureau by removing themselves.
    """
    return acts_as_coordinator(user) or _staff_of_any(user, bureau_ids)


# --- Accounts ----------------------------------------------------------------------------------

ACCOUNT_PROTECTED = (
    "システム管理者は、自分自身・ほかのシステム管理者・スーパーユーザーの利用者情報 "
    "(パスワードを含む) を変更できません。"
)


def may_manage_account(user, account) -> bool:
    """System administrators change (and set the passwords of, and delete) other people's accounts,
    but not their own and not those of other system administrators or superusers.

    No one raises their own rights, and no administrator can set the password of someone with more
    rights (or as many) and sign in as them. (Superusers, outside the roles, may do anything.)
    """
    if not is_active_member(user):
        return False
    if user.is_superuser:
        return True
    if user.role != Role.SYSTEM_ADMIN or account.pk == user.pk:
        return False
    return not (account.is_superuser or account.role == Role.SYSTEM_ADMIN)


ROLE_ASSIGNMENT_REFUSED = (
    "「システム管理者」の役割は与えられません。"
    "システム管理者を増やすのは、サーバーで create_system_admin コマンドを実行する人です。"
)


def may_assign_role(user, role: str) -> bool:
    """System administrators give the roles of the plan's users; the system administrator role
    itself is given only from the server (``manage.py create_system_admin``) or by a superuser.
    (Superuser status and Django's permission rows are not offered in the admin at all.)"""
    if not is_active_member(user):
        return False
    if user.is_superuser:
        return True
    return user.role == Role.SYSTEM_ADMIN and role in Role.values and role != Role.SYSTEM_ADMIN


# --- Change requests (変更申請) -------------------------------------------------------------------


SUBMISSION_REFUSED = "この利用者の変更は申請ではなく直接反映されます。"


def requires_approval(user) -> bool:
    """Bureau staff's changes wait for a coordinator; nobody else's need to (or may be proposed).

    Anyone else who submits a change request is refused with ``SUBMISSION_REFUSED``.
    """
    return is_active_member(user) and not user.is_superuser and user.role == Role.BUREAU_STAFF


DIRECT_APPLY_REFUSED = "直接反映できるのは取りまとめ担当だけです。"


def may_apply_directly(user) -> bool:
    """Coordinators' own edits become the official record at once (and are recorded the same way).

    Anyone else who applies a change directly is refused with ``DIRECT_APPLY_REFUSED``.
    """
    return acts_as_coordinator(user)


def reviewers():
    """The people told of a new change request: every active coordinator (a queryset of users)."""
    from accounts.models import User

    return User.objects.filter(role=Role.COORDINATOR, is_active=True)


# --- The yearly 「実績値」 sheet ------------------------------------------------------------------

ACTUAL_ROW_REFUSED = (
    "この KPI の実績値は入力できません (あなたの局が所管する事業の KPI ではありません)。"
)


class ActualEntry:
    """The rows of one yearly sheet: a row's KPI must be one the user may change (the staff of a
    bureau owning one of its projects; coordinators any), and the actual it updates one they may
    change. Refused rows are named with ``ACTUAL_ROW_REFUSED``. The permission to add an actual (a
    question about the user alone, through Django's backends) is asked once a sheet."""

    def __init__(self, user) -> None:
        self.user = user
        self._may_add: bool | None = None

    def __call__(self, kpi, actual=None) -> bool:
        if actual is not None:
            return self.user.has_perm("kpis.change_kpiactual", actual)
        if self._may_add is None:
            self._may_add = self.user.has_perm("kpis.add_kpiactual")
        return self._may_add and may_report_kpi(self.user, kpi)


def may_report_kpi(user, kpi) -> bool:
    """Who reports a KPI's 「実績値」: coordinators any KPI, staff a KPI of one of their bureaus'
    projects. Actuals are yearly records, not the edition's text: a KPI of a published (frozen)
    edition still takes them. Refused with ``ACTUAL_ROW_REFUSED``."""
    return acts_as_coordinator(user) or _staff_of_any(user, lambda: kpi_bureau_ids(kpi))


ACTUAL_SHEET_BUREAU_REFUSED = (
    "この局の実績値シートは書き出せません (自局のシートだけを書き出せます)。"
)


def may_export_actual_sheet(user, bureau) -> bool:
    """Coordinators export the yearly sheet of any bureau; staff only their own bureaus'.

    Anyone else is refused with ``ACTUAL_SHEET_BUREAU_REFUSED``.
    """
    return acts_as_coordinator(user) or _staff_of_any(user, {bureau.pk})


def lists_own_bureaus_first(user) -> bool:
    """Whether the project list (and its Excel export) starts at 「自局のみ」 for this user:
    bureau staff start with their own bureaus' projects, everyone else with all of them."""
    return user.role == Role.BUREAU_STAFF


def change_requests_visible_to(user) -> Q:
    """The requests a user has a part in: coordinators see all; staff see the ones they submitted
    and the ones about their bureaus' records; everyone else sees none."""
    if may_apply_directly(user):
        return Q()
    if not requires_approval(user):
        return Q(pk__in=[])
    from plan.models import ChangeRequest

    about_my_bureaus = ChangeRequest.bureaus.through.objects.filter(
        bureau_id__in=user_bureau_ids(user)
    )
    return Q(submitted_by=user) | Q(pk__in=about_my_bureaus.values("changerequest_id"))


def may_view_change_request(user, change_request=None) -> bool:
    if not (may_apply_directly(user) or requires_approval(user)):
        return False
    if change_request is None:
        return True
    from plan.models import ChangeRequest

    return ChangeRequest.objects.filter(
        change_requests_visible_to(user), pk=change_request.pk
    ).exists()


DECIDING_OWN_REFUSED = "自分の申請は承認・差し戻し・却下できません。"
DECIDING_DECIDED_REFUSED = "この申請はすでに「{status}」です。審査待ちの申請だけを決定できます。"
DECIDING_NOT_COORDINATOR_REFUSED = "変更申請を決定できるのは取りまとめ担当だけです。"


def decision_refusal(user, change_request) -> str | None:
    """Why ``user`` may not approve, return or reject the request, or None if they may.

    The rule: a coordinator, on a pending request that is not their own (checked in that order,
    each with its message).
    """
    if change_request.submitted_by_id == user.pk:
        return DECIDING_OWN_REFUSED
    if change_request.status != change_request.Status.PENDING:
        return DECIDING_DECIDED_REFUSED.format(status=change_request.get_status_display())
    if not may_apply_directly(user):
        return DECIDING_NOT_COORDINATOR_REFUSED
    return None


def may_decide(user, change_request) -> bool:
    """Approve, return or reject: a coordinator, on a pending request that is not their own."""
    return decision_refusal(user, change_request) is None


WITHDRAWAL_REFUSED = "取り下げられるのは、自分の決定前の申請だけです。"


def may_withdraw(user, change_request, *, replacing=None) -> bool:
    """Withdraw or amend: the submitter, while the request is open (pending or returned).

    ``replacing``: a 「評価票」 being submitted again that carries this request. Whoever may submit
    that sheet (a colleague of the same bureau, or a coordinator) replaces the request it carried,
    rather than leaving it 「差し戻し」 in the first submitter's list; nobody else withdraws
    another's request on its own. Anyone else is refused with ``WITHDRAWAL_REFUSED``.
    """
    if not (is_active_member(user) and change_request.is_open):
        return False
    if change_request.submitted_by_id == user.pk:
        return True
    return (
        replacing is not None
        and replacing.change_request_id == change_request.pk
        and sheet_refusal(user, replacing, SheetAction.SUBMIT) is None
    )


# --- The evaluation round (進捗評価) and its sheets (評価票) --------------------------------------
#
# Who may do what with a sheet is decided by the table ``SHEET_RULES``: for each action, the roles
# that may take it and the states of the sheet from which each may. The roles are relative to the
# sheet: staff of a bureau owning the project (共管 included) are 「所管局の担当者」, other staff
# are not. Before the table: nothing changes in a closed round. After it: nobody confirms a sheet
# they submitted themselves.

EVALUATION_RECORDS = {"evaluation.evaluationround", "evaluation.evaluationsheet"}

OWNER_STAFF = "owner_staff"  # 所管局の担当者 (自局・共管の事業)
OTHER_STAFF = "other_staff"  # ほかの局の担当者
COORDINATOR = "coordinator"  # 取りまとめ担当
VIEWER = "viewer"  # 閲覧者
SYSTEM_ADMIN = "system_admin"  # システム管理者
SHEET_ROLES = (OWNER_STAFF, OTHER_STAFF, COORDINATOR, VIEWER, SYSTEM_ADMIN)

_EVERY_STATE = frozenset(SheetState.values)
_BEING_WRITTEN = frozenset({SheetState.NOT_STARTED, SheetState.DRAFT, SheetState.RETURNED})
_CONFIRMED = frozenset({SheetState.CONFIRMED})
_SUBMITTED = frozenset({SheetState.SUBMITTED})


@dataclass(frozen=True)
class SheetRule:
    """One action on a sheet: the states from which each role may take it, and why not."""

    allowed: dict[str, frozenset[str]]
    role_refusal: str
    state_refusal: str  # may name the sheet's state as {state}


SHEET_RULES: dict[str, SheetRule] = {
    SheetAction.VIEW: SheetRule(
        {
            OWNER_STAFF: _EVERY_STATE,
            COORDINATOR: _EVERY_STATE,
            OTHER_STAFF: _CONFIRMED,
            VIEWER: _CONFIRMED,
            SYSTEM_ADMIN: _CONFIRMED,
        },
        "評価票を閲覧する権限がありません。",
        "確定前の評価票を閲覧できるのは、事業の所管局の担当者と取りまとめ担当だけです。",
    ),
    SheetAction.SAVE: SheetRule(
        {OWNER_STAFF: _BEING_WRITTEN, COORDINATOR: _BEING_WRITTEN},
        "評価票を編集できるのは、事業の所管局 (共管を含む) の担当者と取りまとめ担当だけです。",
        "「{state}」の評価票は編集できません。",
    ),
    SheetAction.SUBMIT: SheetRule(
        {OWNER_STAFF: _BEING_WRITTEN, COORDINATOR: _BEING_WRITTEN},
        "評価票を提出できるのは、事業の所管局 (共管を含む) の担当者と取りまとめ担当だけです。",
        "「{state}」の評価票は提出できません。",
    ),
    SheetAction.RETURN: SheetRule(
        {COORDINATOR: _SUBMITTED},
        "評価票を差し戻せるのは取りまとめ担当だけです。",
        "差し戻せるのは「提出済」の評価票だけです (この評価票は「{state}」)。",
    ),
    SheetAction.CONFIRM: SheetRule(
        {COORDINATOR: _SUBMITTED},
        "評価票を確定できるのは取りまとめ担当だけです。",
        "確定できるのは「提出済」の評価票だけです (この評価票は「{state}」)。",
    ),
}

ROUND_CLOSED_REFUSED = "この照会は締め切られています。評価票は閲覧だけができます。"
SELF_CONFIRMATION_REFUSED = (
    "自分が提出した評価票は確定できません。ほかの取りまとめ担当に確定を依頼してください。"
)
ROUND_MANAGEMENT_REFUSED = (
    "評価の照会の開始・締切・督促と、提出状況・報告の閲覧は、取りまとめ担当だけが行えます。"
)
ROUND_ALREADY_CLOSED = "この照会はすでに締め切られています。"


def sheet_role(user, sheet) -> str | None:
    """The user's role relative to a sheet (None: no role at all)."""
    if not is_active_member(user):
        return None
    if acts_as_coordinator(user):
        return COORDINATOR
    if user.role == Role.BUREAU_STAFF:
        owners = project_bureau_ids(sheet.project)
        return OWNER_STAFF if owners & user_bureau_ids(user) else OTHER_STAFF
    return {Role.VIEWER: VIEWER, Role.SYSTEM_ADMIN: SYSTEM_ADMIN}.get(user.role)


def sheet_refusal(user, sheet, action: str) -> str | None:
    """Why ``user`` may not take ``action`` on ``sheet`` (a 「評価票」), or None if they may.

    Checked in this order, each with its message: a closed round changes for nobody; the table
    ``SHEET_RULES`` (role, then state); nobody confirms their own submission.
    """
    rule = SHEET_RULES[action]
    if action != SheetAction.VIEW and sheet.round.status == RoundStatus.CLOSED:
        return ROUND_CLOSED_REFUSED
    role = sheet_role(user, sheet)
    if role not in rule.allowed:
        return rule.role_refusal
    if sheet.state not in rule.allowed[role]:
        return rule.state_refusal.format(state=SheetState(sheet.state).label)
    if action == SheetAction.CONFIRM and sheet.submitted_by_id == user.pk:
        return SELF_CONFIRMATION_REFUSED
    return None


def may_manage_rounds(user) -> bool:
    """Open, close and remind; read the 「提出状況」 and the report: coordinators. Anyone else is
    refused with ``ROUND_MANAGEMENT_REFUSED``."""
    return may_apply_directly(user)


def evaluation_sheets_visible_to(user) -> Q:
    """The sheets a user may read (the same rule as ``SHEET_RULES[VIEW]``, as a filter):
    coordinators all; staff their bureaus' and the confirmed ones; everyone else the confirmed."""
    if not is_active_member(user):
        return Q(pk__in=[])
    if acts_as_coordinator(user):
        return Q()
    confirmed = Q(state=SheetState.CONFIRMED)
    if user.role != Role.BUREAU_STAFF:
        return confirmed if user.role in Role.values else Q(pk__in=[])
    from plan.models import ProjectBureau

    mine = ProjectBureau.objects.filter(bureau_id__in=user_bureau_ids(user)).values("project_id")
    return confirmed | Q(project_id__in=mine)


def evaluation_can(user, action: str, model_label: str, obj: Model | None = None) -> bool:
    """The admin's questions about rounds and sheets, answered from the rules above. Everyone with
    a role sees the rounds and the sheets list (filtered by ``evaluation_sheets_visible_to``);
    coordinators open rounds; a sheet is changed only by the sheet services (``SHEET_RULES``)."""
    role = user.role
    if model_label == "evaluation.evaluationround":
        if action == VIEW:
            return role in Role.values
        return action == ADD and may_manage_rounds(user)
    if action == VIEW:
        return role in Role.values if obj is None else sheet_refusal(user, obj, VIEW) is None
    if action != CHANGE:
        return False
    if obj is None:
        return requires_approval(user) or may_apply_directly(user)
    return sheet_refusal(user, obj, SheetAction.SAVE) is None


def has_perm(user, perm: str, obj: Model | None = None) -> bool:
    parsed = split_permission(perm)
    if parsed is None:
        return False
    action, model_label = parsed
    return can(user, action, model_label, obj)


def has_module_perms(user, app_label: str) -> bool:
    labels = READABLE_BY_ALL_ROLES | ACCOUNT_ADMINISTRATION | ACCOUNT_RECORDS | EVALUATION_RECORDS
    return any(can(user, VIEW, label) for label in labels if label.split(".", 1)[0] == app_label)
