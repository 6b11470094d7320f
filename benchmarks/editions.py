"""Benchmark of 「次の版を作成」 (``edition_create_next``) at ×1, ×10 and ×100 the 2024 edition, beside
a floor measured in the same run. A benchmark, not a timed test.

    .venv/bin/python benchmarks/editions.py [--scales 1 10 100] [--databases sqlite postgresql]
                                            [--postgres-url URL]

Each database gets a throwaway database (as benchmarks/pages.py does). For each scale the 2024
edition is extended by benchmarks/import_export.py's ``scale_edition`` (×100: 9,000 projects, 5,100
KPIs), published, and copied into the next edition inside a transaction that is rolled back (so
each scale copies the same edition). The floor: ``bulk_create`` of as many rows of the flat floor
model (benchmarks/floorapp) as the copy wrote (records and their history rows), in one transaction.
The aim: the copy at ×100 well under a minute; the ratio shows what it costs beyond plain inserts.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
ROOT = _HERE.parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.harness import DEFAULT_POSTGRES_URL, log, throwaway_database  # noqa: E402
from benchmarks.pages import SETTINGS_MODULE  # noqa: E402
from benchmarks.scaled_edition import scale_edition  # noqa: E402

#: The throwaway databases' prefix (a PostgreSQL database is dropped at the end, also on failure).
DATABASE_PREFIX = "kk_bench_editions_"


class Rollback(Exception):
    pass


def _copy_once(edition, user) -> tuple[float, int]:
    from django.db import transaction

    from plan.editions.lifecycle import edition_create_next

    start = time.perf_counter()
    elapsed, rows = 0.0, 0
    try:
        with transaction.atomic():
            new = edition_create_next(edition=edition, acting_user=user)
            elapsed = time.perf_counter() - start
            rows = _rows_of(new)
            raise Rollback
    except Rollback:
        pass
    return elapsed, rows


def _rows_of(edition) -> int:
    """The records of the edition, each with its history row."""
    from kpis.models import Kpi, KpiValue, ProjectKpi
    from plan.models import Listing, Measure, PolicyGoal, Project, ProjectBureau

    counts = [
        PolicyGoal.objects.filter(edition=edition).count(),
        Measure.objects.filter(goal__edition=edition).count(),
        Project.objects.filter(edition=edition).count(),
        ProjectBureau.objects.filter(project__edition=edition).count(),
        Listing.objects.filter(project__edition=edition).count(),
        Kpi.objects.filter(edition=edition).count(),
        KpiValue.objects.filter(kpi__edition=edition).count(),
        ProjectKpi.objects.filter(project__edition=edition).count(),
    ]
    return 2 * sum(counts)


def _floor(rows: int) -> float:
    from django.db import transaction

    from benchmarks.floorapp.models import FloorRow

    start = time.perf_counter()
    elapsed = 0.0
    try:
        with transaction.atomic():
            FloorRow.objects.bulk_create(
                (FloorRow(code=f"F{n}", name=f"行{n}", number=n) for n in range(rows)),
                batch_size=1000,
            )
            elapsed = time.perf_counter() - start
            raise Rollback
    except Rollback:
        pass
    return elapsed


def worker(kind: str, scales: list[int], postgres_url: str) -> None:
    with throwaway_database(kind, postgres_url, prefix=DATABASE_PREFIX) as url:
        os.environ["DATABASE_URL"] = url
        os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections
        from django.utils import timezone

        from accounts.management.commands.setup_demo import EDITION_FIXTURE
        from accounts.models import Role, User
        from plan.models import Edition

        try:
            call_command("migrate", interactive=False, verbosity=0)
            call_command("loaddata", str(EDITION_FIXTURE), verbosity=0)
            user = User.objects.create(username="coordinator", role=Role.COORDINATOR)
            edition = Edition.objects.get(fiscal_year=2024)
            print(f"== {kind}")
            print("scale | projects | rows written | copy s | floor s | ratio")
            for scale in sorted(scales):
                scale_edition(edition, scale)
                Edition.objects.filter(pk=edition.pk).update(
                    status=Edition.Status.PUBLISHED, published_at=timezone.now()
                )
                edition.refresh_from_db()
                elapsed, rows = _copy_once(edition, user)
                floor = _floor(rows)
                projects = edition.projects.count()
                print(
                    f"×{scale} | {projects:,} | {rows:,} | {elapsed:.2f} | {floor:.2f} | "
                    f"{elapsed / floor:.1f}×",
                    flush=True,
                )
        finally:
            connections.close_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--databases", nargs="+", default=["sqlite"])
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.scales, args.postgres_url)
        return
    for kind in args.databases:
        log(f"[{kind}] building and copying…")
        subprocess.run(
            [
                *(sys.executable, __file__, "--worker", kind),
                *("--postgres-url", args.postgres_url, "--scales", *map(str, args.scales)),
            ],
            check=True,
        )


if __name__ == "__main__":
    main()
