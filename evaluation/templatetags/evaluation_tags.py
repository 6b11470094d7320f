"""The evaluation on other pages: the signed-in person's to-do on the admin index, and a project's
sheets and grades round after round on its page."""

from django import template

from accounts import permissions
from evaluation.models import EvaluationSheet
from evaluation.pages import todos
from plan.prepared import for_user

register = template.Library()


@register.inclusion_tag("admin/evaluation/todo.html", takes_context=True)
def evaluation_todo(context):
    """Staff: 「令和6年度実績の評価票: 未提出 3件 (期限6月30日)」; coordinators: every open round
    with its unsubmitted count and the way to its 「提出状況」. Two queries at most."""
    user = context["request"].user
    return {
        "todos": todos(user),
        "may_manage": permissions.may_manage_rounds(user),
    }


def _sheets(code: str, plan_id: int, user):
    return (
        EvaluationSheet.objects.filter(
            permissions.evaluation_sheets_visible_to(user),
            project__code=code,
            project__edition__plan_id=plan_id,
        )
        .select_related("round__edition")
        .order_by("-round__fiscal_year", "-round__pk")
    )


def project_sheets(project, user) -> list[EvaluationSheet]:
    """The sheets of ``project`` (by its code, across the plan's editions) that ``user`` may read,
    newest round first: a query compiled once per kind of user (``plan.prepared``)."""
    return for_user(
        ("project_sheets",),
        lambda given, who: _sheets(*given, who),
        [project.code, project.edition.plan_id],
        [str, int],
        user,
        using=EvaluationSheet.objects.db,
    )


@register.inclusion_tag("admin/evaluation/project_sheets.html", takes_context=True)
def project_evaluations(context, project):
    """The sheets of the project (by its code, across the plan's editions) that the person may
    read, newest round first (``project_sheets``). Two queries."""
    if project is None or project.pk is None:
        return {"sheets": [], "show": False}
    return {"sheets": project_sheets(project, context["request"].user), "show": True}
