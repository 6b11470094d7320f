"""The admin index's summary of change requests for the signed-in user: what needs them.

Coordinators see the queue (「審査待ち」, newest first); bureau staff see their returned requests
(「差し戻し」, newest first) and those waiting. At most ``SHOWN`` of each are listed, with the counts.
Four queries at most."""

from django import template

from accounts import permissions
from plan.models import ChangeRequest

register = template.Library()

#: Requests listed on the index (the rest are a click away, in the queue).
SHOWN = 10


def _newest(queryset) -> list[ChangeRequest]:
    return list(queryset.select_related("submitted_by").order_by("-submitted_at", "-pk")[:SHOWN])


@register.inclusion_tag("admin/plan/change_request_summary.html", takes_context=True)
def change_request_summary(context):
    user = context["request"].user
    summary = {
        "may_review": permissions.may_apply_directly(user),
        "pending": 0,
        "returned": 0,
        "mine_pending": 0,
        "needs_me": [],
    }
    if summary["may_review"]:
        queue = ChangeRequest.objects.filter(status=ChangeRequest.Status.PENDING)
        summary["pending"] = queue.count()
        summary["needs_me"] = _newest(queue) if summary["pending"] else []
    elif permissions.requires_approval(user):
        mine = ChangeRequest.objects.filter(submitted_by=user)
        returned = mine.filter(status=ChangeRequest.Status.RETURNED)
        summary["returned"] = returned.count()
        summary["mine_pending"] = mine.filter(status=ChangeRequest.Status.PENDING).count()
        summary["needs_me"] = _newest(returned) if summary["returned"] else []
    else:
        return {"show": False}
    return {"show": True, **summary}
