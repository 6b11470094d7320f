"""The rows of the 「達成状況」 dashboard's tables and drill-down, written in Python rather than by
the template: byte for byte what ``admin/kpis/dashboard_row.html`` and the drill-down's loop wrote.

At ×100 the 2024 edition the template took most of the page's time (a drill-down of a bureau lists
600 KPIs, each with two ``{% url %}``; the tables' 39 rows localise some 600 numbers through
lookups and filters); here each row is one ``str.format``. Every text is escaped as the template's
autoescaping did (``text``: ``conditional_escape`` without its lazy-string wrapper); every number goes through
``localize`` as the template's variables did (once per distinct number); the actual's
``floatformat`` is the template's filter itself (its result is safe already).
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe

#: A row of a table (``admin/kpis/dashboard_row.html`` as it was rendered by ``{% include %}``).
TABLE_ROW = (
    '<tr class="{own_class}">\n'
    "  <th>{label}{own_mark}</th>\n"
    "  {cells}\n"
    '  <td class="count"><a href="?{base_query}{scope}#drill-down">{total}</a></td>\n'
    '  <td><svg class="status-bar" width="{bar_width}" height="{bar_height}"'
    ' viewBox="0 0 {bar_width} {bar_height}" role="img" aria-label="{label}の内訳">'
    "{segments}</svg></td>\n"
    "</tr>\n"
)
CELL = '\n  <td class="count">{count}</td>\n  '
CELL_LINK = '<a href="?{base_query}&amp;status={status}{scope}#drill-down">{count}</a>'
SEGMENT = (
    '<rect x="{x}" y="0" width="{width}" height="{bar_height}" fill="{colour}"'
    ' stroke="#ffffff" stroke-width="1"><title>{title}</title></rect>'
)
#: A row of the drill-down (the template's loop body).
DRILL_ROW = (
    "\n        <tr>"
    '\n          <td><a href="{url}">{code}</a></td>'
    '\n          <td><a href="{url}">{indicator}</a></td>'
    '\n          <td class="count">{actual}</td>'
    '\n          <td class="count">{rate}</td>'
    '\n          <td><span class="status status-{status}">{label}</span></td>'
    "\n          <td>{reason}</td>"
    "\n        </tr>\n      "
)


def text(value: object) -> str:
    """``value`` as the template's autoescaping wrote it (``conditional_escape``)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape(str(value))


class Numbers:
    """Numbers as the template wrote them (``localize``, then escaped), each worked out once."""

    def __init__(self) -> None:
        self._written: dict[tuple[type, object], str] = {}

    def __call__(self, number: float) -> str:
        key = (type(number), number)
        if key not in self._written:
            self._written[key] = text(localize(number))
        return self._written[key]


def table_rows_html(
    rows: Iterable, *, group: str, base_query: str, bar_width: int, bar_height: int
) -> SafeString:
    """The rows of a table (``Row``: key, label, own, cells, total, bar); ``group`` is empty for
    the line of all KPIs, whose total links to the list of them all."""
    number = Numbers()
    query = text(base_query)
    width, height = number(bar_width), number(bar_height)
    written = []
    for row in rows:
        scope = f"&amp;group={text(group)}&amp;key={text(row.key)}" if group else ""
        cells = "".join(
            CELL.format(
                count=CELL_LINK.format(
                    base_query=query,
                    status=text(status.value),
                    scope=scope,
                    count=number(count),
                )
                if count
                else "0"
            )
            for status, count in row.cells
        )
        segments = "".join(
            SEGMENT.format(
                x=number(segment.x),
                width=number(segment.width),
                bar_height=height,
                colour=text(segment.colour),
                title=text(segment.title),
            )
            for segment in row.bar
        )
        written.append(
            TABLE_ROW.format(
                own_class="own-bureau" if row.own else "",
                label=text(row.label),
                own_mark=" (自局)" if row.own else "",
                cells=cells,
                base_query=query,
                scope=scope or "&amp;list=1",
                total=number(row.total),
                bar_width=width,
                bar_height=height,
                segments=segments,
            )
        )
    return mark_safe("".join(written))


def drill_down_html(rows: Iterable, admin_site) -> SafeString:
    """The drill-down's rows (``(KpiLine, Judged)`` pairs). The KPI's link is reversed once (as
    ``PolicyChangeList`` does)."""
    url = reverse("admin:kpis_kpi_change", args=[0], current_app=admin_site.name)
    head, _, tail = url.rpartition("/0/")
    return mark_safe(
        "".join(
            DRILL_ROW.format(
                url=text(f"{head}/{kpi.pk}/{tail}"),
                code=text(kpi.code),
                indicator=text(kpi.indicator),
                actual="—" if judged.actual is None else floatformat(judged.actual, "-2g"),
                rate=text(judged.rate_display or "—"),
                status=text(judged.status),
                label=text(judged.status_label),
                reason=text(judged.reason),
            )
            for kpi, judged in rows
        )
    )
