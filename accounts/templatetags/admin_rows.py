"""``{% planned_result_list cl %}``: Django's ``{% result_list cl %}`` (the same context, the same
``change_list_results.html``, overridable per model and app), with the rows from a ``RowPlan``
where one applies (accounts/admin_rows.py) and from Django's ``results(cl)`` otherwise."""

from django import template
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.base import InclusionAdminNode

from accounts.admin_rows import RowPlan

register = template.Library()


def planned_result_list(cl) -> dict:
    """``admin_list.result_list(cl)`` with the rows rendered by the page's plan."""
    plan = RowPlan.for_changelist(cl)
    if plan is None:
        return admin_list.result_list(cl)
    headers = list(admin_list.result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(admin_list.result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": plan.rows(),
    }


@register.tag(name="planned_result_list")
def planned_result_list_tag(parser, token):
    return InclusionAdminNode(
        parser,
        token,
        func=planned_result_list,
        template_name="change_list_results.html",
        takes_context=False,
    )
