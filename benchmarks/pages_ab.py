"""Some pages of benchmarks/pages.py on a database built once and kept, so that two versions of
the code can be measured in turn on the same data (a before → after comparison). A benchmark, not a
timed test.

    DATABASE_URL=sqlite:////tmp/x100.sqlite3 .venv/bin/python benchmarks/pages_ab.py build [--scale 100]
    DATABASE_URL=... .venv/bin/python benchmarks/pages_ab.py cpu [--pages ...] [--roles ...] [--n 30]
    DATABASE_URL=... .venv/bin/python benchmarks/pages_ab.py measure [--pages ...] [--repeat 10]

``build`` migrates the (empty) database and builds the scale as pages.py does (``prepare_scale``).
``cpu`` requests each page and the floor (refilled to the page's rows) in turn, ``--n`` times each,
and prints the least and the median CPU time of each and their ratio: alternating them, the other
processes of a shared machine weigh on both alike. A page pages.py marks ``cold`` is requested with
the cache emptied before each request (untimed), and a page only for some roles only for those. ``measure`` is pages.py's own measurement (median
wall clock, median CPU time, queries of the warm-up request) of the page, then of the floor.
Run from the checkout whose code is measured, with ``benchmarks.settings``; the floor table is
emptied at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")

PAGES = ("project_form", "kpi_form", "project_history", "audit_log", "review", "eval_sheet")
ROLES = ("coordinator", "sangyo")


def _world():
    """The pages module, the edition, the users and what ``page_targets`` reads of the prepared
    scale (as ``prepare_scale`` returns it: the users, the reviewed requests, the round)."""
    from benchmarks import pages
    from evaluation.models import EvaluationRound
    from plan.models import Edition

    edition = Edition.objects.get(fiscal_year=2024)
    users = pages.benchmark_users()
    evaluation_round = EvaluationRound.objects.get(
        edition=edition, fiscal_year=pages.EVALUATION_YEAR
    )
    prepared = {
        "users": users,
        "featured": pages.featured_requests(edition),
        "round": evaluation_round.pk,
    }
    return pages, edition, users, prepared


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def build(args) -> None:
    from django.core.management import call_command

    from accounts.management.commands.setup_demo import EDITION_FIXTURE
    from benchmarks.pages import prepare_scale
    from plan.models import Edition

    call_command("migrate", interactive=False, verbosity=0)
    call_command("loaddata", str(EDITION_FIXTURE), verbosity=0)
    prepare_scale(Edition.objects.get(fiscal_year=2024), args.scale)


def _targets(args):
    from django.urls import reverse

    pages, edition, users, featured = _world()
    floor_url = reverse("floor:floorapp_floorrow_changelist")
    known = {page.key: page for page in pages.PAGES}
    for role in args.roles:
        targets = pages.page_targets(edition, users[role], role, featured)
        client = _client(users[role])
        for key in args.pages:
            if key in known and role not in known[key].roles:
                continue
            target = targets[key]
            url = pages._url(target.path, target.query)
            rows = target.rows
            if key in ("project_history", "project_history_cold"):
                rows = pages._history_row_count(client.get(url).content.decode())
            cold = key in known and known[key].cold
            yield (
                pages,
                client,
                role,
                key,
                url,
                rows,
                pages._url(floor_url, target.floor_query),
                cold,
            )


def cpu(args) -> None:
    from django.core.cache import cache

    for pages, client, role, key, url, rows, floor_url, cold in _targets(args):
        pages.fill_floor(rows)
        client.get(url), client.get(floor_url)
        times: dict[str, list[float]] = {url: [], floor_url: []}
        for _ in range(args.n):
            for path in (url, floor_url):
                if cold and path == url:
                    cache.clear()
                start = time.process_time()
                client.get(path)
                times[path].append((time.process_time() - start) * 1000)
        page, floor = times[url], times[floor_url]
        print(
            f"{key:16} {role:12} min {min(page):6.1f} / floor {min(floor):5.1f} = "
            f"{min(page) / min(floor):.2f}x   median {statistics.median(page):6.1f} / "
            f"{statistics.median(floor):5.1f} = "
            f"{statistics.median(page) / statistics.median(floor):.2f}x",
            flush=True,
        )
    from benchmarks.pages import fill_floor

    fill_floor(0)


def measure(args) -> None:
    found = []
    for pages, client, role, key, url, rows, floor_url, cold in _targets(args):
        page = pages.measure_requests(client, url, args.repeat, cold=cold)
        pages.fill_floor(rows)
        floor = pages.measure_requests(client, floor_url, args.repeat)
        row = {
            "page": key,
            "role": role,
            "rows": rows,
            "cpu_ratio": page["cpu_median_ms"] / floor["cpu_median_ms"],
            "ratio": page["median_ms"] / floor["median_ms"],
            "queries": page["queries"],
            **{f"page_{name}": page[name] for name in ("median_ms", "cpu_median_ms")},
            **{f"floor_{name}": floor[name] for name in ("median_ms", "cpu_median_ms")},
        }
        found.append(row)
        print(
            f"{key:16} {role:12} rows {rows:6} CPU ratio {row['cpu_ratio']:.2f}x "
            f"wall ratio {row['ratio']:.2f}x queries {row['queries']}",
            flush=True,
        )
    pages.fill_floor(0)
    if args.json:
        Path(args.json).write_text(json.dumps(found, indent=1), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build").add_argument("--scale", type=int, default=100)
    for name in ("cpu", "measure"):
        command = commands.add_parser(name)
        command.add_argument("--pages", nargs="+", default=list(PAGES))
        command.add_argument("--roles", nargs="+", default=list(ROLES))
        command.add_argument("--n", type=int, default=30)
        command.add_argument("--repeat", type=int, default=10)
        command.add_argument("--json")
    args = parser.parse_args()
    import django

    django.setup()
    {"build": build, "cpu": cpu, "measure": measure}[args.command](args)


if __name__ == "__main__":
    main()
