"""Benchmark of the city's workbook: export, and import (preview and apply), at ×10 and ×100 the
2024 edition, on SQLite and on PostgreSQL. A benchmark, not a timed test.

    .venv/bin/python benchmarks/import_export.py [--scales 10 100] [--databases sqlite postgres]
                                                 [--postgres-url URL] [--repeat N] [--profile]

The parent process runs one worker process per database (Django's settings are per process and
DATABASE_URL selects the database), collects their measurements and prints one table per database
and a verdict against the aims: import (preview + apply) of the largest workbook within 3× the
openpyxl read floor, export within 2× the openpyxl write floor, and a number of queries that does
not grow with the number of rows.

Each worker uses a throwaway database: a temporary SQLite file, or a fresh PostgreSQL database
``bench_kitakyushu_<pid>`` (UTF-8, from template0) on the server of ``--postgres-url``, dropped at
the end, also on failure. It migrates, loads fixtures/edition-2024.json, creates a coordinator, and
for each scale N (ascending) extends the 2024 edition in place to N copies of itself: every project
copied with a new code (P001-02), a new name (「…（02）」), the same bureaus, listings under the same
measures with their No offset by the measure's largest No, and copies of its KPIs (K001-02) with
their values and links. The copies are written with bulk_create (no history).

The steps, each timed with time.perf_counter, best of ``--repeat`` runs (default: 3 up to ×10 and
2 above; the django-import-export baseline, the slowest step, runs once above ×10):

- export: ``export_workbook(Project.objects.filter(edition=…))``.
- openpyxl write floor: ``Workbook(write_only=True)`` writing the same cell values (both sheets, the
  same rows and columns, no styles) to a BytesIO.
- openpyxl read floor: ``load_workbook(read_only=True)`` and ``iter_rows(values_only=True)`` over
  every row of both sheets of the exported workbook.
- import preview / apply: ``workbook_import_preview`` and ``workbook_import_apply`` as the
  coordinator, on the exported workbook (no changes) and on a copy in which every 100th project's
  概要 was edited with openpyxl (1 %; a coordinator's import is applied at once). Apply reads and
  compares the file again (it calls the preview), as confirming an upload does.
- baseline: a plain django-import-export ``ModelResource`` for Project with default settings
  importing the listing sheet's rows (one per listing, so codes repeat; the ``id`` column is the
  project's pk, found by code) with ``import_data(dataset, dry_run=True)``.

Every import runs inside ``transaction.atomic`` that is rolled back afterwards (the time is taken
before the rollback), so each repetition starts from the same state. Queries are counted with
CaptureQueriesContext; the baseline's, more than that context's 9,000-query log holds, with an
execute wrapper. "Rows" are the data rows of both sheets (listings + KPIs); the baseline's are the
listing rows it imports.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import platform
import pstats
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's folder comes first on sys.path, and this file's name would hide the
# django-import-export package (import_export): look for modules from the project instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.harness import (  # noqa: E402
    add_common_arguments,
    in_worker,
    load_edition,
    log,
    run_workers,
    write_result,
)
from benchmarks.scaled_edition import (  # noqa: E402
    baseline_resource,
    edit_summaries,
    listing_dataset,
    openpyxl_read,
    openpyxl_write,
    scale_edition,
    sheet_values,
)

DEFAULT_SCALES = (10, 100)
DATABASE_KINDS = ("sqlite", "postgres")
#: Other people's databases (the development one and its test database): never touched.
DATABASE_PREFIX = "bench_kitakyushu_"
#: Every EDIT_EVERY-th project (by code) gets an edited 概要: 1 %.
EDIT_EVERY = 100
COORDINATOR = "bench-coordinator"

EXPORT_AIM = 2.0  # × the openpyxl write floor
IMPORT_AIM = 3.0  # × the openpyxl read floor

#: (key, label) in the order of the table. "import" and "import_edited" are sums.
STEPS = (
    ("export", "export"),
    ("write_floor", "openpyxl write floor"),
    ("read_floor", "openpyxl read floor"),
    ("preview", "import preview (unedited)"),
    ("apply", "import apply (unedited, 0 changes)"),
    ("import", "= preview + apply (unedited)"),
    ("preview_edited", "import preview (1% edited)"),
    ("apply_edited", "import apply (1% edited)"),
    ("import_edited", "= preview + apply (1% edited)"),
    ("baseline", "django-import-export baseline"),
)
IMPORT_STEPS = ("preview", "apply", "import", "preview_edited", "apply_edited", "import_edited")
SUMS = {"import": ("preview", "apply"), "import_edited": ("preview_edited", "apply_edited")}
PROFILE_LINES = 25


def default_repeat(scale: int) -> tuple[int, int]:
    """(repetitions of each step, repetitions of the baseline) at a scale."""
    return (3, 3) if scale <= 10 else (2, 1)


# ---------------------------------------------------------------------------------------------
# Timing and counting


class _Rollback(Exception):
    pass


def in_rollback(function: Callable[[], Any]) -> Any:
    """Run ``function`` inside a transaction that is then rolled back; return its result."""
    from django.db import transaction

    outcome: list[Any] = []
    try:
        with transaction.atomic():
            outcome.append(function())
            raise _Rollback
    except _Rollback:
        pass
    return outcome[0]


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def best_of(repeat: int, run: Callable[[], tuple[float, dict]]) -> dict:
    """Run ``repeat`` times; the shortest time and the last run's details (queries, changes)."""
    runs = [run() for _ in range(repeat)]
    return {"seconds": min(seconds for seconds, _details in runs), "runs": repeat, **runs[-1][1]}


class QueryCounter:
    """An execute wrapper that counts queries (for more than CaptureQueriesContext's log holds)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


@contextlib.contextmanager
def captured_queries() -> Iterator[Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        yield context
    if len(context) >= connection.queries_limit:
        raise RuntimeError("More queries than CaptureQueriesContext can count.")


# ---------------------------------------------------------------------------------------------
# One scale


def measure_scale(  # noqa: C901 — one timed step after another, each with its own setup
    edition,
    user,
    scale: int,
    *,
    repeat: int | None = None,
    baseline_repeat: int | None = None,
    profile: bool = False,
) -> dict:
    """Measure every step on ``edition`` as it is (built to ``scale`` copies by the caller).

    ``user`` is a coordinator. Writes nothing that stays (every import is rolled back).
    """
    from accounts.models import User
    from plan.models import Project
    from plan.workbook import export_workbook, workbook_import_apply, workbook_import_preview

    default_steps, default_baseline = default_repeat(scale)
    repeat = repeat or default_steps
    baseline_repeat = baseline_repeat or min(repeat, default_baseline)
    projects = Project.objects.filter(edition=edition)
    steps: dict[str, dict] = {}

    def fresh_user():
        # A new object for each run: the policy caches the user's bureaus on it.
        return User.objects.get(pk=user.pk)

    def export_run() -> tuple[float, dict]:
        with captured_queries() as queries:
            seconds, _data = timed(lambda: export_workbook(projects))
        return seconds, {"queries": len(queries)}

    steps["export"] = best_of(repeat, export_run)
    data = export_workbook(projects)
    sheets = sheet_values(data)
    listing_rows = len(sheets[0][1]) - 1
    kpi_rows = len(sheets[1][1]) - 1
    steps["write_floor"] = best_of(repeat, lambda: (timed(lambda: openpyxl_write(sheets))[0], {}))
    steps["read_floor"] = best_of(repeat, lambda: (timed(lambda: openpyxl_read(data))[0], {}))

    codes = sorted(projects.values_list("code", flat=True))
    edited_codes = set(codes[::EDIT_EVERY])
    edited = edit_summaries(data, edited_codes)

    def preview_run(workbook: bytes) -> tuple[float, dict]:
        acting_user = fresh_user()
        with captured_queries() as queries:
            seconds, result = timed(
                lambda: workbook_import_preview(
                    acting_user=acting_user, edition=edition, file=workbook
                )
            )
        if result.errors:
            raise RuntimeError(f"The preview found errors: {result.errors[:3]}")
        return seconds, {"queries": len(queries), "changes": result.change_count}

    def apply_run(workbook: bytes) -> tuple[float, dict]:
        acting_user = fresh_user()

        def apply() -> tuple[float, dict]:
            # The pipeline is preview, then apply of that preview (as import_plan does); the
            # preview is timed in its own step.
            preview = workbook_import_preview(
                acting_user=acting_user, edition=edition, file=workbook
            )
            with captured_queries() as queries:
                seconds, change_request = timed(
                    lambda: workbook_import_apply(
                        acting_user=acting_user,
                        edition=edition,
                        preview=preview,
                        file_name="bench.xlsx",
                    )
                )
            changes = 0 if change_request is None else change_request.items.count()
            return seconds, {"queries": len(queries), "changes": changes}

        return in_rollback(apply)

    steps["preview"] = best_of(repeat, lambda: preview_run(data))
    steps["apply"] = best_of(repeat, lambda: apply_run(data))
    steps["preview_edited"] = best_of(repeat, lambda: preview_run(edited))
    steps["apply_edited"] = best_of(repeat, lambda: apply_run(edited))
    for key in ("preview", "apply"):
        if steps[key]["changes"]:
            raise RuntimeError(f"The unedited workbook changed something ({key}).")
    for key in ("preview_edited", "apply_edited"):
        if steps[key]["changes"] != len(edited_codes):
            raise RuntimeError(
                f"{key}: {steps[key]['changes']} changes for {len(edited_codes)} edited projects."
            )

    dataset = listing_dataset(sheets, edition)

    def baseline_run() -> tuple[float, dict]:
        from django.db import connection

        resource = baseline_resource()
        counter = QueryCounter()

        def run():
            with connection.execute_wrapper(counter):
                return timed(lambda: resource.import_data(dataset, dry_run=True))

        seconds, result = in_rollback(run)
        if result.has_errors() or result.has_validation_errors():
            raise RuntimeError("The django-import-export baseline reported errors.")
        return seconds, {"queries": counter.count, "rows": len(dataset)}

    steps["baseline"] = best_of(baseline_repeat, baseline_run)

    for key, (first, second) in SUMS.items():
        steps[key] = {
            "seconds": steps[first]["seconds"] + steps[second]["seconds"],
            "queries": steps[first]["queries"] + steps[second]["queries"],
            "changes": steps[second]["changes"],
        }

    profile_text = ""
    if profile:
        runs = {
            "export": lambda: export_workbook(projects),
            "preview": lambda: preview_run(data),
            "apply": lambda: apply_run(data),
            "preview_edited": lambda: preview_run(edited),
            "apply_edited": lambda: apply_run(edited),
        }
        slowest_import = max(
            IMPORT_STEPS[:2] + IMPORT_STEPS[3:5], key=lambda key: steps[key]["seconds"]
        )
        stream = io.StringIO()
        for key in ("export", slowest_import):
            profiler = cProfile.Profile()
            profiler.runcall(runs[key])
            stream.write(f"cProfile of {key} at ×{scale}\n")
            for order in ("tottime", "cumulative"):
                pstats.Stats(profiler, stream=stream).sort_stats(order).print_stats(PROFILE_LINES)
        profile_text = stream.getvalue()

    return {
        "scale": scale,
        "projects": len(codes),
        "kpis": edition.kpis.count(),
        "listing_rows": listing_rows,
        "kpi_rows": kpi_rows,
        "bytes": len(data),
        "edited_projects": len(edited_codes),
        "repeat": repeat,
        "baseline_repeat": baseline_repeat,
        "steps": steps,
        "profile": profile_text,
    }


# ---------------------------------------------------------------------------------------------
# The worker process (one database)


def worker(kind: str, scales: Sequence[int], args: argparse.Namespace) -> dict:
    """Set up a throwaway database, build each scale and measure it (in this process only)."""
    return in_worker(
        kind,
        args.postgres_url,
        lambda: _measure_database(kind, scales, args),
        prefix=DATABASE_PREFIX,
        settings_module="config.settings",
    )


def _measure_database(kind: str, scales: Sequence[int], args: argparse.Namespace) -> dict:
    import django
    import import_export
    import openpyxl

    from accounts.models import Bureau, Role, User

    edition, server = load_edition(kind)
    user = User.objects.create_user(username=COORDINATOR, role=Role.COORDINATOR, is_staff=True)
    user.bureaus.set(Bureau.objects.filter(name="環境局"))
    results = []
    for scale in sorted(scales):
        start = time.perf_counter()
        scale_edition(edition, scale)
        log(f"[{kind}] built ×{scale} in {time.perf_counter() - start:.1f} s; measuring…")
        start = time.perf_counter()
        result = measure_scale(
            edition,
            user,
            scale,
            repeat=args.repeat,
            profile=args.profile and scale == max(scales),
        )
        log(f"[{kind}] measured ×{scale} in {time.perf_counter() - start:.1f} s")
        if result["profile"]:
            log(result["profile"])
        results.append(result)
    return {
        "kind": kind,
        "server": server,
        "versions": {
            "python": platform.python_version(),
            "django": django.get_version(),
            "openpyxl": openpyxl.__version__,
            "django-import-export": import_export.__version__,
        },
        "scales": results,
    }


# ---------------------------------------------------------------------------------------------
# The report


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


def format_table(database: dict) -> str:
    header = (
        "scale",
        "step",
        "seconds",
        "× openpyxl floor",
        "× d-i-e baseline",
        "queries",
        "queries/row",
    )
    lines: list[tuple[str, ...]] = [header]
    notes = []
    for result in database["scales"]:
        steps = result["steps"]
        rows = result["listing_rows"] + result["kpi_rows"]
        notes.append(
            f"×{result['scale']}: {result['projects']:,} projects, {result['kpis']:,} KPIs, "
            f"{result['listing_rows']:,} listing + {result['kpi_rows']:,} KPI rows, "
            f"{result['bytes'] / 1024:,.0f} KiB; best of {result['repeat']} "
            f"(baseline: {result['baseline_repeat']}); 1% edited: {result['edited_projects']} projects"
        )
        for key, label in STEPS:
            step = steps[key]
            seconds = step["seconds"]
            if key == "export" or key == "write_floor":
                floor = seconds / steps["write_floor"]["seconds"]
            else:
                floor = seconds / steps["read_floor"]["seconds"]
            baseline = (
                seconds / steps["baseline"]["seconds"]
                if key in (*IMPORT_STEPS, "baseline")
                else None
            )
            queries = step.get("queries")
            per_row = None if queries is None else queries / step.get("rows", rows)
            lines.append(
                (
                    f"×{result['scale']}",
                    label,
                    f"{seconds:.3f}",
                    _ratio(floor) + (" (write)" if key in ("export", "write_floor") else " (read)"),
                    _ratio(baseline),
                    "—" if queries is None else f"{queries:,}",
                    "—" if per_row is None else f"{per_row:.3f}",
                )
            )
    widths = [max(len(line[index]) for line in lines) for index in range(len(header))]
    right = {2, 3, 4, 5, 6}
    text = []
    for number, line in enumerate(lines):
        cells = [
            cell.rjust(widths[index]) if index in right else cell.ljust(widths[index])
            for index, cell in enumerate(line)
        ]
        text.append(" | ".join(cells).rstrip())
        if number == 0:
            text.append("-+-".join("-" * width for width in widths))
    return "\n".join([*text, *notes])


def format_verdict(database: dict) -> str:
    results = database["scales"]
    largest = results[-1]
    steps = largest["steps"]
    scale = f"×{largest['scale']}"
    lines = []
    read_floor = steps["read_floor"]["seconds"]
    for key, what in (("import", "unedited"), ("import_edited", "1% edited")):
        ratio = steps[key]["seconds"] / read_floor
        verdict = "meets" if ratio <= IMPORT_AIM else "misses"
        lines.append(
            f"- import (preview + apply, {what}) at {scale}: {steps[key]['seconds']:.2f} s = "
            f"{ratio:.2f}× the read floor: {verdict} the aim (≤ {IMPORT_AIM:g}×)"
        )
    ratio = steps["export"]["seconds"] / steps["write_floor"]["seconds"]
    verdict = "meets" if ratio <= EXPORT_AIM else "misses"
    lines.append(
        f"- export at {scale}: {steps['export']['seconds']:.2f} s = {ratio:.2f}× the write floor: "
        f"{verdict} the aim (≤ {EXPORT_AIM:g}×)"
    )
    if len(results) < 2:
        lines.append("- queries: only one scale measured; run two scales to compare.")
        return "\n".join(lines)
    smallest = results[0]
    rows_small = smallest["listing_rows"] + smallest["kpi_rows"]
    rows_large = largest["listing_rows"] + largest["kpi_rows"]
    growth = f"rows ×{rows_large / rows_small:g} (×{smallest['scale']} → ×{largest['scale']})"
    for key in ("export", "preview", "apply", "preview_edited", "apply_edited"):
        before, after = smallest["steps"][key]["queries"], largest["steps"][key]["queries"]
        label = dict(STEPS)[key]
        if before == after:
            lines.append(f"- queries, {label}: {before} → {after} with {growth}: constant")
            continue
        changed_before = smallest["steps"][key].get("changes") or 0
        changed_after = largest["steps"][key].get("changes") or 0
        if changed_after != changed_before:
            per_change = (after - before) / (changed_after - changed_before)
            fixed = before - per_change * changed_before
            lines.append(
                f"- queries, {label}: {before} → {after} with {growth}: grows with the changed "
                f"records ({changed_before} → {changed_after}), ≈ {fixed:.0f} + "
                f"{per_change:.1f} per change, not with the rows"
            )
        else:
            lines.append(f"- queries, {label}: {before} → {after} with {growth}: GROWS")
    return "\n".join(lines)


def format_report(databases: Sequence[dict]) -> str:
    parts = []
    for database in databases:
        versions = ", ".join(f"{name} {version}" for name, version in database["versions"].items())
        parts.append(f"== {database['server']} ({versions}) ==")
        parts.append(format_table(database))
        parts.append("Verdict:")
        parts.append(format_verdict(database))
        parts.append("")
    return "\n".join(parts)


# ---------------------------------------------------------------------------------------------
# Command line


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_arguments(parser, scales=DEFAULT_SCALES, kinds=DATABASE_KINDS)
    parser.add_argument(
        "--databases", nargs="+", choices=DATABASE_KINDS, default=list(DATABASE_KINDS)
    )
    parser.add_argument(
        "--repeat", type=int, help="repetitions of each step (default: 3 up to ×10, 2 above)"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="cProfile export and the slowest import step at the largest scale",
    )
    args = parser.parse_args(argv)
    if any(scale < 1 for scale in args.scales):
        parser.error("scales are whole numbers from 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_arguments(argv)
    if args.worker:
        return write_result(args.result_file, worker(args.worker, args.scales, args))

    worker_arguments = ["--postgres-url", args.postgres_url]
    if args.repeat:
        worker_arguments += ["--repeat", str(args.repeat)]
    if args.profile:
        worker_arguments.append("--profile")
    databases: list[dict] = []
    failed = run_workers(
        __file__,
        args.databases,
        args.scales,
        worker_arguments,
        databases.append,
        prefix=DATABASE_PREFIX,
    )
    print(format_report(databases), flush=True)
    if failed:
        print(f"Failed: {', '.join(failed)}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
