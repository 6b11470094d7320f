"""The sheet's state machine, as a table: every state × every action × every role, in an open
round and in a closed one. The expectations are written out here, not read from the policy."""

import pytest
from django.db.models import Count

from accounts import permissions
from accounts.models import Bureau, Role
from evaluation.models import EvaluationSheet
from evaluation.states import RoundStatus, SheetAction, SheetState
from plan.models import Project
from tests.evaluation.conftest import sheet_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROLES = ("owner_staff", "other_staff", "coordinator", "viewer", "system_admin")

# state        action    owner  other  coord  viewer sysadm   (ok: allowed; R: the role may not;
#                                                               S: not from this state)
TABLE = """
not_started    view      ok     S      ok     S      S
draft          view      ok     S      ok     S      S
submitted      view      ok     S      ok     S      S
returned       view      ok     S      ok     S      S
confirmed      view      ok     ok     ok     ok     ok
not_started    save      ok     R      ok     R      R
draft          save      ok     R      ok     R      R
submitted      save      S      R      S      R      R
returned       save      ok     R      ok     R      R
confirmed      save      S      R      S      R      R
not_started    submit    ok     R      ok     R      R
draft          submit    ok     R      ok     R      R
submitted      submit    S      R      S      R      R
returned       submit    ok     R      ok     R      R
confirmed      submit    S      R      S      R      R
not_started    return    R      R      S      R      R
draft          return    R      R      S      R      R
submitted      return    R      R      ok     R      R
returned       return    R      R      S      R      R
confirmed      return    R      R      S      R      R
not_started    confirm   R      R      S      R      R
draft          confirm   R      R      S      R      R
submitted      confirm   R      R      ok     R      R
returned       confirm   R      R      S      R      R
confirmed      confirm   R      R      S      R      R
"""

ROLE_REFUSED = {
    "view": "評価票を閲覧する権限がありません。",
    "save": "評価票を編集できるのは、事業の所管局 (共管を含む) の担当者と取りまとめ担当だけです。",
    "submit": "評価票を提出できるのは、事業の所管局 (共管を含む) の担当者と取りまとめ担当だけです。",
    "return": "評価票を差し戻せるのは取りまとめ担当だけです。",
    "confirm": "評価票を確定できるのは取りまとめ担当だけです。",
}
STATE_LABELS = {
    "not_started": "未着手",
    "draft": "作成中",
    "submitted": "提出済",
    "returned": "差し戻し",
    "confirmed": "確定",
}
STATE_REFUSED = {
    "view": "確定前の評価票を閲覧できるのは、事業の所管局の担当者と取りまとめ担当だけです。",
    "save": "「{state}」の評価票は編集できません。",
    "submit": "「{state}」の評価票は提出できません。",
    "return": "差し戻せるのは「提出済」の評価票だけです (この評価票は「{state}」)。",
    "confirm": "確定できるのは「提出済」の評価票だけです (この評価票は「{state}」)。",
}
CLOSED = "この照会は締め切られています。評価票は閲覧だけができます。"


def cases():
    for line in TABLE.strip().splitlines():
        state, action, *cells = line.split()
        for role, cell in zip(ROLES, cells, strict=True):
            yield state, action, role, cell


CASES = list(cases())


def test_the_table_covers_every_state_action_and_role():
    assert {(s, a, r) for s, a, r, _ in CASES} == {
        (s, a, r) for s in SheetState.values for a in SheetAction.values for r in ROLES
    }
    assert len(CASES) == 125


@pytest.fixture
def people(world):
    kankyo = Bureau.objects.get(name="環境局")
    return {
        "owner_staff": world.sangyo,
        "other_staff": UserFactory(username="kankyo", role=Role.BUREAU_STAFF, bureaus=[kankyo]),
        "coordinator": world.coordinator,
        "viewer": world.viewer,
        "system_admin": UserFactory(username="itkanri", role=Role.SYSTEM_ADMIN),
    }


def expected(cell: str, state: str, action: str, closed: bool) -> str | None:
    if closed and action != "view":
        return CLOSED
    if cell == "ok":
        return None
    if cell == "R":
        return ROLE_REFUSED[action]
    return STATE_REFUSED[action].format(state=STATE_LABELS[state])


@pytest.mark.parametrize("closed", [False, True], ids=["open", "closed"])
def test_sheet_rules(people, evaluation_round, closed):
    """One database set-up, the whole table compared at once (a mismatch lists every wrong cell)."""
    sheet = sheet_of(evaluation_round, "P065")  # 産業経済局's 放置竹林対策事業
    sheet.submitted_by = None  # someone else's submission (self-confirmation is tested below)
    if closed:
        sheet.round.status = RoundStatus.CLOSED
    found, wanted = {}, {}
    for state, action, role, cell in CASES:
        sheet.state = state
        found[state, action, role] = permissions.sheet_refusal(people[role], sheet, action)
        wanted[state, action, role] = expected(cell, state, action, closed)
    assert {case: refusal for case, refusal in found.items() if refusal != wanted[case]} == {}
    assert len(found) == 125


def test_nobody_confirms_their_own_submission(world, evaluation_round):
    sheet = sheet_of(evaluation_round, "P065")
    sheet.state = SheetState.SUBMITTED
    sheet.submitted_by = world.coordinator
    assert permissions.sheet_refusal(world.coordinator, sheet, "confirm") == (
        "自分が提出した評価票は確定できません。ほかの取りまとめ担当に確定を依頼してください。"
    )
    assert permissions.sheet_refusal(world.coordinator, sheet, "return") is None


def test_a_co_owned_projects_sheet_is_edited_by_either_bureau(world, evaluation_round):
    project = Project.objects.annotate(n=Count("bureau_links")).filter(n__gt=1).order_by("code")[0]
    sheet = EvaluationSheet.objects.get(round=evaluation_round, project=project)
    for link in project.bureau_links.all():
        staff = UserFactory(role=Role.BUREAU_STAFF, bureaus=[link.bureau])
        assert permissions.sheet_refusal(staff, sheet, "save") is None
        assert permissions.sheet_refusal(staff, sheet, "submit") is None


@pytest.mark.parametrize(
    ("role", "visible"),
    [("sangyo", 9 + 1), ("coordinator", 90), ("viewer", 1)],
)
def test_who_sees_which_sheets(world, evaluation_round, role, visible):
    """Staff see their bureau's nine sheets and the confirmed ones; viewers the confirmed one."""
    confirmed = sheet_of(evaluation_round, "P001")
    EvaluationSheet.objects.filter(pk=confirmed.pk).update(
        state=SheetState.CONFIRMED, final_grade="B", confirmed_at=evaluation_round.opened_at
    )
    user = getattr(world, role)
    filtered = EvaluationSheet.objects.filter(permissions.evaluation_sheets_visible_to(user))
    assert filtered.count() == visible
