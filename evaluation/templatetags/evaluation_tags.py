"""The evaluation on other pages: the signed-in person's to-do on the admin index, and a project's
sheets and grades round after round on its page."""

from django import template

from accounts import permissions
from evaluation.models import EvaluationSheet
from evaluation.pages import todos

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


@register.inclusion_tag("admin/evaluation/project_sheets.html", takes_context=True)
def project_evaluations(context, project):
    """The sheets of the project (by its code, across the plan's editions) that the person may
    read, newest round first. Two queries."""
    if project is None or project.pk is None:
        return {"sheets": [], "show": False}
    user = context["request"].user
    sheets = (
        EvaluationSheet.objects.filter(
            permissions.evaluation_sheets_visible_to(user),
            project__code=project.code,
            project__edition__plan_id=project.edition.plan_id,
        )
        .select_related("round__edition")
        .order_by("-round__fiscal_year", "-round__pk")
    )
    return {"sheets": list(sheets), "show": True}
