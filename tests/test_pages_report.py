"""The page benchmark's growth table (benchmarks/pages_report.py): from scale to scale, how many
times a page's CPU time and its rows grew, which pages grew faster than their rows, and which
changed their query count. Literal figures in, literal verdicts out."""

import pytest

from benchmarks.pages_report import format_growth, growth_rows


def _page(page, rows, cpu_ms, queries, role="coordinator"):
    return {"page": page, "role": role, "rows": rows, "cpu_median_ms": cpu_ms, "queries": queries}


DATABASE = {
    "server": "SQLite 3.40.1",
    "scales": [
        {
            "scale": 1,
            "pages": [
                _page("projects", 90, 20.0, 9),
                _page("history", 27, 10.0, 18),
                _page("report", 90, 30.0, 19),
                _page("form", 90, 20.0, 23),
                _page("only_here", 90, 20.0, 9),
            ],
        },
        {
            "scale": 10,
            "pages": [
                _page("projects", 900, 22.0, 9),
                _page("history", 27, 12.4, 18),
                _page("report", 900, 90.0, 19),
                _page("form", 900, 20.0, 22),
            ],
        },
        {
            "scale": 100,
            "pages": [
                _page("projects", 9000, 23.0, 9),
                _page("history", 27, 12.6, 18),
                _page("report", 9000, 1300.0, 19),
                _page("form", 9000, 21.0, 22),
            ],
        },
    ],
}

#: page → (time factors, rows factors, steps called faster, queries vary)
EXPECTED = {
    "projects": ([1.1, 1.0455], [10.0, 10.0], [False, False], False),
    # rows stay: 12.4 / 10 is 1.24, within the slack of 1.25; 12.6 / 12.4 too
    "history": ([1.24, 1.0161], [1.0, 1.0], [False, False], False),
    # 1,300 / 90 is 14.4 for ten times the projects
    "report": ([3.0, 14.4444], [10.0, 10.0], [False, True], False),
    "form": ([1.0, 1.05], [10.0, 10.0], [False, False], True),
}


@pytest.mark.parametrize("page", sorted(EXPECTED))
def test_growth_rows(page):
    rows = {row["page"]: row for row in growth_rows(DATABASE)}
    assert "only_here" not in rows  # not measured at every scale
    times, row_factors, faster, queries_vary = EXPECTED[page]
    steps = rows[page]["steps"]
    assert [(step["from"], step["to"]) for step in steps] == [(1, 10), (10, 100)]
    assert [round(step["time"], 4) for step in steps] == times
    assert [step["rows"] for step in steps] == row_factors
    assert [step["faster"] for step in steps] == faster
    assert rows[page]["queries_vary"] is queries_vary


def test_format_growth_names_the_pages_and_says_so_when_none():
    text = format_growth(DATABASE)
    assert text.splitlines()[0] == (
        "== SQLite 3.40.1: growth from ×1 / ×10 / ×100 (CPU median ms; rows; queries) =="
    )
    assert "report (coordinator): CPU 30.0 / 90.0 / 1,300.0 ms; rows 90 / 900 / 9,000; " in text
    assert text.splitlines()[-1] == (
        "Time growing faster than rows (beyond ×1.25): report (coordinator); "
        "queries not the same at every scale: form (coordinator)"
    )
    calm = {"server": "PostgreSQL 15", "scales": [DATABASE["scales"][1], DATABASE["scales"][2]]}
    calm["scales"][1] = {
        "scale": 100,
        "pages": [row for row in DATABASE["scales"][2]["pages"] if row["page"] != "report"],
    }
    assert format_growth(calm).splitlines()[-1] == (
        "Time growing faster than rows (beyond ×1.25): no page; "
        "queries not the same at every scale: no page"
    )
    assert format_growth({"server": "x", "scales": DATABASE["scales"][:1]}) == ""
