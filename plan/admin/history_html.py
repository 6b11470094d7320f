"""The rows of the 「履歴」 page and the audit log (``admin/plan/history.html``) written in Python:
what the template's loop over ``rows`` wrote, character for character, one ``str.format`` a row
(the template's lookups, filters and tags per row were about half of those pages' time).

tests/admin/test_history_html.py compares it with the loop as the template had it, on both pages.
"""

from __future__ import annotations

import datetime
import html

from django.template.defaultfilters import date
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime

from accounts.admin_inline_html import current_app as admin_current_app

ROW = (
    "\n    <tr>\n"
    '      <td class="nowrap">{date}</td>\n'
    '      <td class="nowrap">{type}</td>\n'
    "      <td>{model_name}「{object}」</td>\n"
    "      <td>{fields}</td>\n"
    "      <td>{proposed_by}</td>\n"
    "      <td>{approved_by}</td>\n"
    "      <td>{change_request}</td>\n"
    "      {restore}\n"
    "    </tr>\n  "
)
RESTORE = (
    '\n        <form method="post" action="{action}" data-confirm="{date} の状態に戻します'
    ' (変更申請として記録されます)。よろしいですか?">{csrf}<input type="submit"'
    ' value="この時点に戻す"></form>\n      '
)


def _escaped(value) -> str:
    """``{{ value }}``: localized and autoescaped (text directly: a plain string is escaped, a
    safe one written as it is)."""
    kind = type(value)
    if kind is str:
        return html.escape(value)
    if kind is SafeString:
        return value
    return conditional_escape(localize(value))


def _when(moment) -> str:
    """``{{ moment|date:"Y-m-d H:i" }}`` (in the current time zone), written directly for a
    datetime (digits, dashes, a colon: nothing to escape)."""
    local = template_localtime(moment)
    if type(local) is not datetime.datetime:
        return _escaped(date(local, "Y-m-d H:i"))
    return f"{local.year:04d}-{local.month:02d}-{local.day:02d} {local.hour:02d}:{local.minute:02d}"


def _csrf_input(token) -> str:
    """``{% csrf_token %}``."""
    if not token:
        return ""
    if token == "NOTPROVIDED":
        return mark_safe("")
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


#: A key no change request has, marking where a change URL's key goes.
_KEY = 918273645


def _change_request_urls(current_app):
    """A change request's change URL by its key: ``{% url 'admin:plan_changerequest_change' pk %}``,
    reversed once for a page (a whole-number key is written into the URL as its digits)."""
    marked = reverse("admin:plan_changerequest_change", args=[_KEY], current_app=current_app)
    head, found, tail = marked.partition(str(_KEY))
    if not found or str(_KEY) in tail:
        return lambda pk: reverse(
            "admin:plan_changerequest_change", args=[pk], current_app=current_app
        )

    def url(pk) -> str:
        if type(pk) is not int:
            return reverse("admin:plan_changerequest_change", args=[pk], current_app=current_app)
        return f"{head}{pk}{tail}"

    return url


def history_rows_html(
    rows, *, project=None, restorable: bool = False, csrf_token=None, request=None
) -> str:
    """The ``<tr>`` of each row of ``plan.admin.history.history_rows``, as the template wrote
    them; ``project`` is the 「履歴」 page's project (None on the audit log)."""
    current_app = admin_current_app(request)
    request_urls = None
    csrf = None
    parts = []
    for row in rows:
        record = row["record"]
        when = _when(record.history_date)
        request_id = record.change_request_id
        if request_id:
            if request_urls is None:
                request_urls = _change_request_urls(current_app)
            change_request = (
                f'<a href="{conditional_escape(request_urls(request_id))}">'
                f"#{_escaped(request_id)}</a>"
            )
        else:
            change_request = "—"
        restore = ""
        if restorable:
            form = ""
            if project and row["is_project"] and record.history_type != "-":
                if csrf is None:
                    csrf = _csrf_input(csrf_token)
                action = reverse(
                    "admin:plan_project_restore",
                    args=[project.pk, record.history_id],
                    current_app=current_app,
                )
                form = RESTORE.format(action=conditional_escape(action), date=when, csrf=csrf)
            restore = f"<td>{form}</td>"
        parts.append(
            ROW.format(
                date=when,
                type=_escaped(row["type"]),
                model_name=_escaped(row["model_name"]),
                object=_escaped(row["object"]),
                fields="".join(
                    f"{_escaped(field.label)}: {_escaped(field.change_html)}<br>"
                    for field in row["fields"]
                ),
                proposed_by=_escaped(record.proposed_by or "—"),
                approved_by=_escaped(record.approved_by or record.history_user or "—"),
                change_request=change_request,
                restore=restore,
            )
        )
    return "".join(parts)
