"""The admin index's summary of change requests for the signed-in user."""

from django import template

from accounts import permissions
from plan.models import ChangeRequest

register = template.Library()


@register.inclusion_tag("admin/plan/change_request_summary.html", takes_context=True)
def change_request_summary(context):
    user = context["request"].user
    summary = {
        "may_review": permissions.may_apply_directly(user),
        "pending": 0,
        "returned": 0,
        "mine_pending": 0,
    }
    if summary["may_review"]:
        summary["pending"] = ChangeRequest.objects.filter(
            status=ChangeRequest.Status.PENDING
        ).count()
    elif permissions.requires_approval(user):
        mine = ChangeRequest.objects.filter(submitted_by=user)
        summary["returned"] = mine.filter(status=ChangeRequest.Status.RETURNED).count()
        summary["mine_pending"] = mine.filter(status=ChangeRequest.Status.PENDING).count()
    else:
        return {"show": False}
    return {"show": True, **summary}
