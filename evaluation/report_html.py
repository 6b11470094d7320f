"""One project's sheet in the report (「進捗評価報告」) as HTML, written in Python.

The report lists every project of the round (9,000 at ×100 the 2024 edition): through the template
engine each sheet cost about 16 variable lookups, filters and escapes (most of the page's time). The
markup here is what ``admin/evaluation/report.html`` rendered for a sheet, character for character,
with the same escaping: every value is a plain ``str`` (never safe HTML), for which Django's
``escape`` is ``html.escape``, and ``linebreaksbr`` is newlines normalised, escaped, then ``<br>``.
The template engine's per-value work (``conditional_escape`` through ``keep_lazy``) is what this
leaves out. tests/evaluation/test_report.py pins the markup with literal HTML.
"""

from __future__ import annotations

import re
from html import escape
from typing import TYPE_CHECKING

from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from evaluation.report import SheetEntry

#: What an empty grade, actual or text shows.
DASH = "—"
_NEWLINES = re.compile(r"\r\n|\r")


def _lines(text: str) -> str:
    """The ``linebreaksbr`` filter on plain text."""
    return escape(_NEWLINES.sub("\n", text)).replace("\n", "<br>")


def _kpi_table(entry: SheetEntry) -> str:
    if not entry.kpis:
        return ""
    rows = "".join(
        f"<tr><td>{escape(line.kpi.code)} {escape(line.kpi.indicator)}"
        f"</td><td>{escape(line.actual or DASH)}</td>"
        f"<td>{escape(line.status)}</td></tr>"
        for line in entry.kpis
    )
    return (
        '<table class="kpis"><thead><tr><th>KPI</th><th>実績値</th><th>状況</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def sheet_article(entry: SheetEntry) -> SafeString:
    """The ``<article class="sheet">`` of one project's sheet."""
    sheet, project = entry.sheet, entry.sheet.project
    code = escape(project.code)
    return mark_safe(
        f'<article class="sheet" id="sheet-{code}">\n'
        f"  <h3>{code} {escape(project.name)}"
        f' <span class="bureaus">({"・".join(escape(name) for name in entry.bureaus)})</span></h3>\n'
        f'  <p class="meta">状態: {escape(str(sheet.get_state_display()))}'
        f" / 自己評価: {escape(sheet.self_assessment or DASH)}"
        f" / 最終評価: {escape(sheet.final_grade or DASH)}</p>\n"
        f"  {_kpi_table(entry)}\n"
        f"  <h4>取組内容と成果</h4><p>{_lines(sheet.achievements or DASH)}</p>\n"
        f"  <h4>課題と今後の方向性</h4><p>{_lines(sheet.issues or DASH)}</p>\n"
        "</article>"
    )
