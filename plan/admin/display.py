"""Small pieces of list cells that read well at 1366 px: names that do not break mid-word, a
request's state as a badge, times in Asia/Tokyo in one short form. Styles in plan/static/plan/site.css."""

import functools
from collections import defaultdict
from collections.abc import Iterable

from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

#: The badge's class for each state of a change request (its colour in site.css).
STATUS_BADGES = {
    "pending": "badge-pending",
    "returned": "badge-returned",
    "approved": "badge-done",
    "applied": "badge-done",
    "rejected": "badge-closed",
    "withdrawn": "badge-closed",
}


def unbroken(names: Iterable[str]) -> str:
    """Names that wrap between one another, never inside one (「都市戦 / 略局」): the HTML of
    ``format_html_join(" ", '<span class="unbroken">{}</span>', ...)``, without a ``format_html``
    per name (a list cell per row)."""
    return SafeString(
        " ".join([f'<span class="unbroken">{conditional_escape(name)}</span>' for name in names])
    )


def status_badge(change_request) -> str:
    """``format_html('<span class="badge {}">{}</span>', css, label)``'s HTML, without a
    ``format_html`` per row (the classes are plain words); each state's badge written once per
    process (the states' labels are plain text, not translated per request)."""
    badge = _badges().get(change_request.status)
    if badge is not None:
        return badge
    css = STATUS_BADGES.get(change_request.status, "badge-closed")
    label = conditional_escape(change_request.get_status_display())
    return SafeString(f'<span class="badge {css}">{label}</span>')


@functools.cache
def _badges() -> dict[str, SafeString]:
    """The badge of each state whose label is a plain string (``get_status_display``'s)."""
    from plan.models import ChangeRequest

    return {
        status: SafeString(
            f'<span class="badge {STATUS_BADGES.get(status, "badge-closed")}">'
            f"{conditional_escape(label)}</span>"
        )
        for status, label in ChangeRequest._meta.get_field("status").flatchoices
        if type(label) is str
    }


def person_name(user) -> str:
    """A person as colleagues know them (「環境局 担当者」), the user name when there is no name."""
    return (user.get_full_name() or user.username) if user is not None else ""


def short_time(moment) -> str:
    """「2026-04-01 09:30」 in Asia/Tokyo (settings.TIME_ZONE), breaking only between the date and
    the time; empty for none."""
    if not moment:
        return ""
    local = timezone.localtime(moment)
    # unbroken() of the two parts, which are digits, dashes and a colon (nothing to escape).
    return SafeString(
        f'<span class="unbroken">{local:%Y-%m-%d}</span> <span class="unbroken">{local:%H:%M}</span>'
    )


def _bureau_names(*project_ids: int):
    from plan.models import ProjectBureau

    return (
        ProjectBureau.objects.filter(project__in=project_ids)
        .order_by(*ProjectBureau._meta.ordering)
        .values_list("project", "bureau__name")
    )


def bureau_names_by_project(project_ids) -> dict[int, list[str]]:
    """Each project's bureaus' names in their order (``ProjectBureau.position``), in one query of
    plain values (prepared: ``plan.prepared.read_by_keys``): for a list's page, what
    ``bureau_links`` prefetched with their bureaus gave, without two model instances and a
    related manager's queryset per row."""
    from plan.prepared import read_by_keys

    names: defaultdict[int, list[str]] = defaultdict(list)
    links = read_by_keys("plan.admin.display.bureau_names", _bureau_names, list(project_ids))
    for project_id, name in links:
        names[project_id].append(name)
    return names
