"""``{% history_rows %}``: the rows of admin/plan/history.html (plan/admin/history_html.py)."""

from django import template
from django.utils.safestring import mark_safe

from plan.admin.history_html import history_rows_html

register = template.Library()


@register.simple_tag(takes_context=True)
def history_rows(context):
    return mark_safe(  # each value escaped as the template did
        history_rows_html(
            context.get("rows") or (),
            project=context.get("object"),
            restorable=bool(context.get("restorable")),
            csrf_token=context.get("csrf_token"),
            request=context.get("request"),
        )
    )
