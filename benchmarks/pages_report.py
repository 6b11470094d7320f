"""The page benchmark's report (benchmarks/pages.py): a table per database and scale, the pages
above the aim at the largest scale, and how each page's time grows with its rows from scale to
scale."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

AIM = 1.5  # × the floor, at the largest scale
#: A page's CPU time may grow this much more than its rows from one scale to the next before the
#: report calls it growing faster than its rows: the medians of a shared machine move by as much.
GROWTH_SLACK = 1.25

COLUMNS = (
    ("page", "page"),
    ("role", "role"),
    ("rows", "rows"),
    ("median_ms", "median ms"),
    ("p95_ms", "p95 ms"),
    ("floor_median_ms", "floor median ms"),
    ("ratio", "ratio"),
    ("cpu_ratio", "CPU ratio"),
    ("queries", "queries"),
)
NUMERIC = {"rows", "median_ms", "p95_ms", "floor_median_ms", "ratio", "cpu_ratio", "queries"}


def _cell(key: str, value) -> str:
    if key in {"median_ms", "p95_ms", "floor_median_ms"}:
        return f"{value:,.1f}"
    if key in {"ratio", "cpu_ratio"}:
        return f"{value:.2f}×"
    if key in {"rows", "queries"}:
        return f"{value:,}"
    return str(value)


def format_table(result: dict) -> str:
    header = tuple(label for _key, label in COLUMNS)
    lines = [header]
    for row in result["pages"]:
        lines.append(tuple(_cell(key, row[key]) for key, _label in COLUMNS))
    widths = [max(len(line[index]) for line in lines) for index in range(len(header))]
    text = []
    for number, line in enumerate(lines):
        cells = [
            cell.rjust(widths[index]) if COLUMNS[index][0] in NUMERIC else cell.ljust(widths[index])
            for index, cell in enumerate(line)
        ]
        text.append(" | ".join(cells).rstrip())
        if number == 0:
            text.append("-+-".join("-" * width for width in widths))
    return "\n".join(text)


def growth_rows(database: dict) -> list[dict]:
    """Each page and role measured at every scale of ``database``: its rows, median CPU time and
    queries at each scale, and, from each scale to the next, how many times its CPU time and its
    rows grew; ``faster`` names the steps where the time grew more than the rows (or than nothing,
    for a page whose rows stay) by more than ``GROWTH_SLACK``, ``queries_vary`` whether its query
    count is not the same at every scale."""
    scales = database["scales"]
    measured = [{(row["page"], row["role"]): row for row in result["pages"]} for result in scales]
    rows = []
    for key in measured[0]:
        if not all(key in at_scale for at_scale in measured):
            continue
        series = [at_scale[key] for at_scale in measured]
        steps = []
        scale_numbers = [result["scale"] for result in scales]
        for (scale, before), (next_scale, after) in pairwise(
            zip(scale_numbers, series, strict=True)
        ):
            time_factor = after["cpu_median_ms"] / before["cpu_median_ms"]
            rows_factor = after["rows"] / before["rows"] if before["rows"] else 1.0
            steps.append(
                {
                    "from": scale,
                    "to": next_scale,
                    "time": time_factor,
                    "rows": rows_factor,
                    "faster": time_factor > max(rows_factor, 1.0) * GROWTH_SLACK,
                }
            )
        rows.append(
            {
                "page": key[0],
                "role": key[1],
                "rows": [row["rows"] for row in series],
                "cpu_ms": [row["cpu_median_ms"] for row in series],
                "queries": [row["queries"] for row in series],
                "steps": steps,
                "queries_vary": len({row["queries"] for row in series}) > 1,
            }
        )
    return rows


def format_growth(database: dict) -> str:
    """The growth table of ``growth_rows``, then its verdict."""
    scales = [result["scale"] for result in database["scales"]]
    if len(scales) < 2:
        return ""
    growth = growth_rows(database)
    marks = "×" + " / ×".join(str(scale) for scale in scales)
    parts = [
        f"== {database['server']}: growth from {marks} (CPU median ms; rows; queries) ==",
    ]
    for row in growth:
        cpu = " / ".join(f"{ms:,.1f}" for ms in row["cpu_ms"])
        counts = " / ".join(f"{rows:,}" for rows in row["rows"])
        queries = " / ".join(str(number) for number in row["queries"])
        steps = ", ".join(
            f"×{step['from']}→×{step['to']}: time ×{step['time']:.2f}, rows ×{step['rows']:.1f}"
            + (" (faster)" if step["faster"] else "")
            for step in row["steps"]
        )
        parts.append(
            f"{row['page']} ({row['role']}): CPU {cpu} ms; rows {counts}; queries {queries}; {steps}"
        )
    faster = [
        f"{row['page']} ({row['role']})" for row in growth if any(s["faster"] for s in row["steps"])
    ]
    varying = [f"{row['page']} ({row['role']})" for row in growth if row["queries_vary"]]
    parts.append(
        "Time growing faster than rows (beyond ×"
        f"{GROWTH_SLACK:g}): {', '.join(faster) or 'no page'}; "
        f"queries not the same at every scale: {', '.join(varying) or 'no page'}"
    )
    parts.append("")
    return "\n".join(parts)


def format_report(databases: Sequence[dict]) -> str:
    parts = []
    for database in databases:
        versions = ", ".join(f"{name} {version}" for name, version in database["versions"].items())
        for result in database["scales"]:
            parts.append(
                f"== {database['server']} ({versions}), ×{result['scale']}: "
                f"{result['projects']:,} projects, {result['kpis']:,} KPIs, "
                f"{result['change_requests']:,} change requests ({result['pending']:,} pending, "
                f"{result['change_items']:,} items); median of {result['repeat']} after a warm-up =="
            )
            parts.append(format_table(result))
            parts.append("")
        largest = database["scales"][-1]
        over = [row for row in largest["pages"] if row["ratio"] > AIM]
        verdict = (
            f"every page within {AIM:g}× the floor"
            if not over
            else ", ".join(f"{row['page']} ({row['role']}) {row['ratio']:.1f}×" for row in over)
        )
        parts.append(f"Aim at ×{largest['scale']} (≤ {AIM:g}× the floor): {verdict}")
        parts.append("")
        growth = format_growth(database)
        if growth:
            parts.append(growth)
    return "\n".join(parts)
