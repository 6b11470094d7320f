"""The evaluation's vocabulary: the states of a 「評価票」, the actions on it, the grades and the
round's status. Plain enums (no models), so that the policy (accounts/permissions.py) can hold the
state machine as data while the apps are still loading."""

from django.db import models


class RoundStatus(models.TextChoices):
    OPEN = "open", "受付中"
    CLOSED = "closed", "締切済"


class SheetState(models.TextChoices):
    """「未着手」→「作成中」(saved, not submitted) →「提出済」→「差し戻し」(with a comment) →「確定」."""

    NOT_STARTED = "not_started", "未着手"
    DRAFT = "draft", "作成中"
    SUBMITTED = "submitted", "提出済"
    RETURNED = "returned", "差し戻し"
    CONFIRMED = "confirmed", "確定"


#: Sheets the bureau still owes (「未提出」): what 「督促」 and the staff's to-do count.
NOT_SUBMITTED = (SheetState.NOT_STARTED, SheetState.DRAFT, SheetState.RETURNED)


class SheetAction(models.TextChoices):
    VIEW = "view", "閲覧"
    SAVE = "save", "保存"
    SUBMIT = "submit", "提出"
    RETURN = "return", "差し戻し"
    CONFIRM = "confirm", "確定"


class Grade(models.TextChoices):
    """The scale of the self-assessment (「自己評価」) and of the coordinator's final grade."""

    A = "A", "A (目標を達成)"
    B = "B", "B (概ね順調)"
    C = "C", "C (やや遅れ)"
    D = "D", "D (遅れ)"


#: The written definitions shown beside the scale on the sheet and in the report.
GRADE_DEFINITIONS = {
    Grade.A: "目標を達成した、または達成の見込みが確実である。",
    Grade.B: "概ね順調に進んでいる (目標年度までの道筋の上にある)。",
    Grade.C: "やや遅れている (取組の強化で目標に届く見込みがある)。",
    Grade.D: "遅れている (目標の達成が難しく、取組の見直しが必要である)。",
}


class EventKind(models.TextChoices):
    """What the sheet's visible thread (「経過」) records."""

    SUBMITTED = "submitted", "提出"
    RETURNED = "returned", "差し戻し"
    CONFIRMED = "confirmed", "確定"
