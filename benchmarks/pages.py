"""Benchmark of the admin pages at ×1, ×10 and ×100 the 2024 edition, on SQLite and PostgreSQL,
each page beside a floor measured in the same run. A benchmark, not a timed test.

    .venv/bin/python benchmarks/pages.py [--scales 1 10 100] [--databases sqlite postgresql]
                                         [--repeat 20] [--pages PAGE ...] [--json PATH]
                                         [--postgres-url URL]

The aim: every admin page at ×100 within 1.5× the floor, a minimal ``ModelAdmin`` changelist of a
flat model (benchmarks/floorapp) with as many rows as the page's main table.

The parent process runs one worker process per database, one after the other (Django's settings
are per process; DATABASE_URL selects the database), and prints one table per database and scale,
then each page's growth from scale to scale (benchmarks/pages_report.py: its CPU time against its
rows, and whether its query count stays). The data is built by benchmarks/pages_data.py.
Each worker uses a throwaway database (a temporary SQLite file, or a fresh PostgreSQL database
``kk_bench_pages_<pid>``, dropped at the end, also on failure) under benchmarks/settings.py, which
adds the floor app and its AdminSite to the application's settings.

The data, for each scale N (ascending; each scale extends the previous one):

- the 2024 edition extended to N copies of itself by benchmarks/import_export.py's
  ``scale_edition`` (×100: 9,000 projects, 5,100 KPIs), then a first historical record for every
  record that has none, as ``manage.py setup_demo`` does after loading the edition;
- ``CHANGE_REQUESTS_PER_COPY`` × N change requests (×100: 2,000) made through the real services
  (``change_request_submit`` by the staff of the project's bureau, then ``change_request_approve``,
  ``_return`` or ``_reject`` by a coordinator, or left pending; some ``change_direct_apply`` by the
  coordinator), so that ChangeItem rows and the history (with proposer and approver) are the real
  ones. Among them, at ×1: changes to the cross-listed project and the shared KPI that the pages
  below show, and one pending request for each measured user to review;
- ``ACTUAL_YEARS`` actuals (実績値) for every KPI (×100: 15,300), from its baseline, so that the KPI
  page draws its series and chart and the 「達成状況」 dashboard judges every KPI;
- the FY2024 evaluation round (評価の照会) opened through ``round_open``: one 評価票 per project,
  spread over 未着手, 作成中, 提出済 and 確定 (``open_evaluation_round``).

The pages, each requested with Django's test client signed in as a coordinator (``coordinator``,
環境局) and as bureau staff (``sangyo``, 産業経済局); see ``PAGES``. Each page is requested once to
warm up (with CaptureQueriesContext: the query count, and the status must be 200), then
``--repeat`` times timed (without capturing); the table shows the median and the 95th percentile.
It also shows the ratio of the medians of the process's CPU time per request (「CPU ratio」): on a
shared machine the wall-clock ratio moves with the other processes' load, the CPU time much less
(it leaves out the PostgreSQL server's own work, which the query count and wall clock show).
The floor is measured the same way, as the same user, with the floor table refilled (bulk_create)
to the page's row count; a page of the project list beyond the first is compared with the same page
of the floor. ``--pages`` measures only the pages named (and their floors).

The 「達成状況」 pages, 公表前チェック, the report, a project's 履歴 and the project and KPI lists
keep what they computed in the cache until the database changes; the timed requests after the
warm-up read it. ``dashboard_cold``, ``dashboard_drill_cold``, ``edition_review_cold``,
``eval_report_cold``, ``project_history_cold``, ``projects_cold``, ``projects_search_cold`` and
``kpis_cold`` are the same pages with the cache emptied before each request: the first request
after a change.

"Rows" is the size of the page's main table as the page sees it: for a changelist, the rows it
lists before pagination (for staff, the project list starts at 「自局のみ」); for the index, the
change requests the user may see (the index counts them); for a change form or the review page,
the rows of that model's table; for the project's 「履歴」 page, the historical rows it lists; for
the audit log, the historical rows of the eight models it covers (it pages them by 100); for the
evaluation pages, the round's 評価票 (the list: those the user sees); for 公表前チェック, the
edition's projects. ``--pages`` measures only the pages named.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's folder comes first on sys.path and benchmarks/import_export.py would
# hide the django-import-export package: look for modules from the project instead.
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
from benchmarks.pages_data import (  # noqa: E402
    COORDINATOR,
    CROSS_LISTED_PROJECT,
    EVALUATION_YEAR,
    ROLES,
    STAFF_BUREAU,
    benchmark_users,
    featured_requests,
    prepare_scale,
    shared_kpi,
)
from benchmarks.pages_report import AIM, format_report  # noqa: E402

#: Read by benchmarks/pages_ab.py and the tests from here, where they always were.
__all__ = ["AIM", "benchmark_users", "featured_requests", "format_report", "prepare_scale"]

SETTINGS_MODULE = "benchmarks.settings"
DEFAULT_SCALES = (1, 10, 100)
DEFAULT_REPEAT = 20
DATABASE_KINDS = ("sqlite", "postgresql")
DATABASE_ALIASES = {"postgres": "postgresql"}
DATABASE_PREFIX = "kk_bench_pages_"

SEARCH_TERM = "環境"
GOAL_CODE = "I"
PAGE_NUMBER = 50


# ---------------------------------------------------------------------------------------------
# The pages


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    roles: tuple[str, ...] = ROLES
    #: Requested with an empty cache each time (what a page kept is computed again).
    cold: bool = False


PAGES = (
    Page("index", "admin index"),
    Page("queue", "change-request queue"),
    Page("review", "change-request review"),
    Page("projects", "project list (default)"),
    Page("projects_page", f"project list, page {PAGE_NUMBER}"),
    Page("projects_search", f"project list, search 「{SEARCH_TERM}」"),
    Page("projects_goal", f"project list, goal {GOAL_CODE} filter"),
    Page("projects_bureau", f"project list, {STAFF_BUREAU} filter"),
    Page("kpis", "KPI list (default)"),
    Page("projects_cold", "project list (default), the first view after a change", cold=True),
    Page(
        "projects_search_cold",
        f"project list, search 「{SEARCH_TERM}」, the first view after a change",
        cold=True,
    ),
    Page("kpis_cold", "KPI list (default), the first view after a change", cold=True),
    Page("project_form", "project change form (6 listings)"),
    Page("kpi_form", "KPI change form (shared by 7, with actuals)"),
    Page("dashboard", "達成状況 dashboard (FY2024)"),
    Page("dashboard_drill", f"達成状況, the KPIs of {STAFF_BUREAU}"),
    Page("dashboard_cold", "達成状況 dashboard, the first request after a change", cold=True),
    Page(
        "dashboard_drill_cold",
        f"達成状況, the KPIs of {STAFF_BUREAU}, the first request after a change",
        cold=True,
    ),
    Page("project_history", "project 履歴 (history)"),
    Page("project_history_cold", "project 履歴, the first view after a change", cold=True),
    Page("audit_log", "audit log", (COORDINATOR,)),
    Page("eval_sheets", f"評価票 list (FY{EVALUATION_YEAR})"),
    Page("eval_sheet", "評価票 (cross-listed project; staff: their first)"),
    Page("eval_progress", "評価の照会: 提出状況", (COORDINATOR,)),
    Page("eval_report", "評価の照会: report (every project)", (COORDINATOR,)),
    Page(
        "eval_report_cold",
        "評価の照会: report, the first view after a change",
        (COORDINATOR,),
        cold=True,
    ),
    Page("edition_review", "公表前チェック"),
    Page("edition_review_cold", "公表前チェック, the first view after a change", cold=True),
)
PAGE_KEYS = tuple(page.key for page in PAGES)


@dataclass(frozen=True)
class Target:
    """One measured request: the page's path and query, and the floor's row count and query."""

    path: str
    query: dict
    rows: int
    floor_query: dict


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


# ---------------------------------------------------------------------------------------------
# What to request


def _fresh_user(user):
    from accounts.models import User

    return User.objects.get(pk=user.pk)


def _changelist_count(model, user, query: dict) -> int:
    """The rows a changelist lists before pagination (the admin's own ChangeList)."""
    from django.contrib import admin
    from django.test import RequestFactory

    request = RequestFactory().get("/", query)
    request.user = _fresh_user(user)
    return admin.site._registry[model].get_changelist_instance(request).result_count


def _history_row_count(html: str) -> int:
    table = html.split('id="change-history"', 1)
    return (
        0 if len(table) < 2 else table[1].split("</table>", 1)[0].count("<tr>") - 1
    )  # less the header


def evaluation_sheet(round_pk: int, project, user):
    """The cross-listed project's 評価票, or (for staff of other bureaus, who see only their
    bureau's) the first one the user sees by project code."""
    from accounts import permissions
    from evaluation.models import EvaluationSheet

    visible = EvaluationSheet.objects.filter(round=round_pk).filter(
        permissions.evaluation_sheets_visible_to(_fresh_user(user))
    )
    return visible.filter(project=project).first() or visible.order_by("project__code")[0]


def page_targets(
    edition, user, role: str, prepared: dict, wanted: Sequence[str] = PAGE_KEYS
) -> dict[str, Target]:
    """The path, query and row count of each page for a user."""
    from django.urls import reverse

    from accounts.models import Bureau
    from evaluation.models import EvaluationSheet
    from kpis.models import Kpi, KpiValue, ProjectKpi
    from plan.models import ChangeRequest, Listing, Measure, PolicyGoal, Project, ProjectBureau

    project = Project.objects.get(edition=edition, name=CROSS_LISTED_PROJECT)
    kpi = shared_kpi(edition)
    goal = PolicyGoal.objects.get(edition=edition, code=GOAL_CODE)
    bureau = Bureau.objects.get(name=STAFF_BUREAU)
    queue = _changelist_count(ChangeRequest, user, {})
    kpis = Kpi.objects.filter(edition=edition).count()
    projects_url = reverse("admin:plan_project_changelist")
    per_page = 100
    default_rows = _changelist_count(Project, user, {})
    page_number = min(PAGE_NUMBER, max(1, math.ceil(default_rows / per_page)))

    def project_list(query: dict, floor_query: dict | None = None) -> Target:
        return Target(
            projects_url, query, _changelist_count(Project, user, query), floor_query or {}
        )

    sheets = EvaluationSheet.objects.filter(round=prepared["round"]).count()
    history_models = (
        Project,
        ProjectBureau,
        Listing,
        Measure,
        PolicyGoal,
        Kpi,
        KpiValue,
        ProjectKpi,
    )
    targets = {
        "index": Target(reverse("admin:index"), {}, queue, {}),
        "queue": Target(reverse("admin:plan_changerequest_changelist"), {}, queue, {}),
        "review": Target(
            reverse("admin:plan_changerequest_change", args=[prepared["featured"][role]]),
            {},
            queue,
            {},
        ),
        "projects": project_list({}),
        "projects_page": project_list({"p": page_number}, {"p": page_number}),
        "projects_search": project_list({"q": SEARCH_TERM}),
        "projects_goal": project_list({"listings__measure__goal__id__exact": goal.pk}),
        "projects_bureau": project_list({"bureaus__id__exact": bureau.pk}),
        "project_form": Target(
            reverse("admin:plan_project_change", args=[project.pk]),
            {},
            Project.objects.count(),
            {},
        ),
        "kpis": Target(
            reverse("admin:kpis_kpi_changelist"), {}, _changelist_count(Kpi, user, {}), {}
        ),
        "kpi_form": Target(reverse("admin:kpis_kpi_change", args=[kpi.pk]), {}, kpis, {}),
        "dashboard": Target(reverse("admin:kpis_achievement"), {"year": 2024}, kpis, {}),
        "dashboard_drill": Target(
            reverse("admin:kpis_achievement"),
            {"year": 2024, "group": "bureau", "key": bureau.pk},
            Kpi.objects.filter(edition=edition).for_bureaus([bureau.pk]).count(),
            {},
        ),
        "project_history": Target(
            reverse("admin:plan_project_history", args=[project.pk]), {}, 0, {}
        ),
        "audit_log": Target(
            reverse("admin:plan_changerequest_audit"),
            {},
            sum(model.history.count() for model in history_models),
            {},
        ),
        "eval_sheets": Target(
            reverse("admin:evaluation_evaluationsheet_changelist"),
            {},
            _changelist_count(EvaluationSheet, user, {}),
            {},
        ),
        "eval_sheet": Target(
            reverse(
                "admin:evaluation_evaluationsheet_change",
                args=[evaluation_sheet(prepared["round"], project, user).pk],
            ),
            {},
            sheets,
            {},
        ),
        "eval_progress": Target(
            reverse("admin:evaluation_evaluationround_progress", args=[prepared["round"]]),
            {},
            sheets,
            {},
        ),
        "eval_report": Target(
            reverse("admin:evaluation_evaluationround_report", args=[prepared["round"]]),
            {},
            sheets,
            {},
        ),
        "edition_review": Target(
            reverse("admin:plan_edition_review", args=[edition.pk]),
            {},
            Project.objects.filter(edition=edition).count(),
            {},
        ),
    }
    targets["dashboard_cold"] = targets["dashboard"]
    targets["projects_cold"] = targets["projects"]
    targets["projects_search_cold"] = targets["projects_search"]
    targets["kpis_cold"] = targets["kpis"]
    targets["dashboard_drill_cold"] = targets["dashboard_drill"]
    targets["edition_review_cold"] = targets["edition_review"]
    targets["eval_report_cold"] = targets["eval_report"]
    targets["project_history_cold"] = targets["project_history"]
    return {key: target for key, target in targets.items() if key in wanted}


# ---------------------------------------------------------------------------------------------
# Timing


def _url(path: str, query: dict) -> str:
    return f"{path}?{urlencode(query)}" if query else path


def measure_requests(client, url: str, repeat: int, *, cold: bool = False) -> dict:
    """One warm-up request (counted queries; must answer 200), then ``repeat`` timed ones. With
    ``cold``, the cache is emptied before each request (and the counted one), untimed."""
    from django.core.cache import cache
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    if cold:
        client.get(url)
        cache.clear()
    # Each request starts by clearing the query log (request_started → reset_queries): start the
    # capture from an empty log too, or it would count from a stale position.
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    # The capture reads the connection's log when asked: ask before the next request clears it.
    captured = list(queries.captured_queries)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    seconds = []
    cpu_seconds = []
    for _ in range(repeat):
        if cold:
            cache.clear()
        start, cpu_start = time.perf_counter(), time.process_time()
        response = client.get(url)
        seconds.append(time.perf_counter() - start)
        cpu_seconds.append(time.process_time() - cpu_start)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
    return {
        "status": response.status_code,
        "queries": len(captured),
        "sql": [query["sql"] for query in captured],
        "median_ms": statistics.median(seconds) * 1000,
        "cpu_median_ms": statistics.median(cpu_seconds) * 1000,
        "p95_ms": percentile(seconds, 0.95) * 1000,
        "content": response.content,
    }


def fill_floor(rows: int) -> None:
    """The floor table with exactly ``rows`` rows (bulk_create)."""
    from benchmarks.floorapp.models import FloorRow

    FloorRow.objects.all().delete()
    FloorRow.objects.bulk_create(
        (
            FloorRow(code=f"F{number:05d}", name=f"床の行 {number}", number=number)
            for number in range(1, rows + 1)
        ),
        batch_size=2000,
    )


def measure_scale(
    edition, scale: int, prepared: dict, *, repeat: int, wanted: Sequence[str] = PAGE_KEYS
) -> dict:
    """Measure every page for every role on the edition as it is (built by ``prepare_scale``)."""
    from django.test import Client
    from django.urls import reverse

    from kpis.models import Kpi
    from plan.models import ChangeItem, ChangeRequest, Project

    users = prepared["users"]
    floor_url = reverse("floor:floorapp_floorrow_changelist")
    results = []
    floors: dict[tuple, dict] = {}
    for role in ROLES:
        user = users[role]
        client = Client(raise_request_exception=True)
        client.force_login(user)
        targets = page_targets(edition, user, role, prepared, wanted)
        measured = {}
        for page in PAGES:
            if role not in page.roles or page.key not in targets:
                continue
            target = targets[page.key]
            measured[page.key] = measure_requests(
                client, _url(target.path, target.query), repeat, cold=page.cold
            )
        for key in ("project_history", "project_history_cold"):
            if key in measured:
                rows = _history_row_count(measured[key]["content"].decode())
                targets[key] = Target(targets[key].path, {}, rows, {})
        # The floors, grouped by row count so that the table is refilled once per count.
        shown = [targets[key] for key in measured]
        for target in sorted(shown, key=lambda target: target.rows):
            key = (role, target.rows, tuple(sorted(target.floor_query.items())))
            if key in floors:
                continue
            fill_floor(target.rows)
            floors[key] = measure_requests(client, _url(floor_url, target.floor_query), repeat)
        for page in PAGES:
            if page.key not in measured:
                continue
            target = targets[page.key]
            result = measured[page.key]
            floor = floors[(role, target.rows, tuple(sorted(target.floor_query.items())))]
            results.append(
                {
                    "page": page.key,
                    "label": page.label,
                    "role": role,
                    "url": _url(target.path, target.query),
                    "status": result["status"],
                    "rows": target.rows,
                    "median_ms": result["median_ms"],
                    "p95_ms": result["p95_ms"],
                    "queries": result["queries"],
                    "floor_median_ms": floor["median_ms"],
                    "floor_queries": floor["queries"],
                    "ratio": result["median_ms"] / floor["median_ms"],
                    "cpu_median_ms": result["cpu_median_ms"],
                    "floor_cpu_median_ms": floor["cpu_median_ms"],
                    "cpu_ratio": result["cpu_median_ms"] / floor["cpu_median_ms"],
                }
            )
    fill_floor(0)
    return {
        "scale": scale,
        "repeat": repeat,
        "projects": Project.objects.filter(edition=edition).count(),
        "kpis": Kpi.objects.filter(edition=edition).count(),
        "change_requests": ChangeRequest.objects.count(),
        "change_items": ChangeItem.objects.count(),
        "pending": ChangeRequest.objects.filter(status=ChangeRequest.Status.PENDING).count(),
        "history_rows": Project.history.count(),
        "pages": results,
    }


# ---------------------------------------------------------------------------------------------
# The worker process (one database)


def worker(kind: str, args: argparse.Namespace) -> dict:
    """Set up a throwaway database, build each scale and measure it (in this process only)."""
    return in_worker(
        kind,
        args.postgres_url,
        lambda: _measure_database(kind, args),
        prefix=DATABASE_PREFIX,
        settings_module=SETTINGS_MODULE,
        locale="C.UTF-8",
    )


def _measure_database(kind: str, args: argparse.Namespace) -> dict:
    import django
    from django.db import connection

    edition, server = load_edition(kind)
    results = []
    for scale in sorted(args.scales):
        start = time.perf_counter()
        prepared = prepare_scale(edition, scale)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        log(f"[{kind}] built ×{scale} in {time.perf_counter() - start:.1f} s; measuring…")
        start = time.perf_counter()
        result = measure_scale(edition, scale, prepared, repeat=args.repeat, wanted=args.pages)
        log(f"[{kind}] measured ×{scale} in {time.perf_counter() - start:.1f} s")
        results.append(result)
    return {
        "kind": kind,
        "server": server,
        "versions": {"python": platform.python_version(), "django": django.get_version()},
        "scales": results,
    }


# ---------------------------------------------------------------------------------------------
# Command line


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_arguments(parser, scales=DEFAULT_SCALES, kinds=DATABASE_KINDS)
    parser.add_argument(
        "--databases",
        nargs="+",
        choices=(*DATABASE_KINDS, *DATABASE_ALIASES),
        default=list(DATABASE_KINDS),
    )
    parser.add_argument(
        "--repeat", type=int, default=DEFAULT_REPEAT, help="timed requests per page (the median)"
    )
    parser.add_argument(
        "--pages",
        nargs="+",
        choices=PAGE_KEYS,
        default=list(PAGE_KEYS),
        metavar="PAGE",
        help=f"the pages to measure (default: all of {', '.join(PAGE_KEYS)})",
    )
    parser.add_argument("--json", help="also write the results as JSON to this path")
    args = parser.parse_args(argv)
    if any(scale < 1 for scale in args.scales) or args.repeat < 1:
        parser.error("scales and --repeat are whole numbers from 1")
    args.databases = list(dict.fromkeys(DATABASE_ALIASES.get(db, db) for db in args.databases))
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_arguments(argv)
    if args.worker:
        return write_result(args.result_file, worker(args.worker, args))
    databases: list[dict] = []
    failed = run_workers(
        __file__,
        args.databases,
        args.scales,
        ["--postgres-url", args.postgres_url, "--repeat", str(args.repeat), "--pages", *args.pages],
        databases.append,
        prefix=DATABASE_PREFIX,
    )
    report = format_report(databases)
    print(report, flush=True)
    if args.json:
        Path(args.json).write_text(
            json.dumps({"databases": databases}, ensure_ascii=False, indent=1), encoding="utf-8"
        )
    if failed:
        print(f"Failed: {', '.join(failed)}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
