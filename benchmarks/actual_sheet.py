"""Benchmark of the yearly 「実績値」 sheet (django-import-export, kpis/resources.py): export and
import at ×N the 2024 edition's KPIs, against the openpyxl read floor. A benchmark, not a test.

    .venv/bin/python benchmarks/actual_sheet.py [--scales 10 100] [--database sqlite|postgres]
                                                [--postgres-url URL] [--repeat N] [--json PATH]

One process, one throwaway database (a temporary SQLite file, or ``bench_kitakyushu_<pid>`` on the
server of ``--postgres-url``, dropped at the end), built like benchmarks/import_export.py: migrate,
the 2024 edition, then N copies of its projects and KPIs (``scale_edition``; ×100 = 5,100 KPIs).

The sheet is the whole edition's (every KPI, one row each, for FY2024), written by
``ActualSheetExportResource``; a coordinator imports it. Steps, best of ``--repeat``:

- export: the resource's dataset and ``ActualSheetFormat.export_data`` (xlsx bytes).
- openpyxl read floor: ``load_workbook(read_only=True)`` and ``iter_rows(values_only=True)``.
- import 下見 (unedited): ``actual_sheet_import(dry_run=True)`` on the exported sheet: 0 changes.
- import 下見 (filled): every row's 「表記」 filled (「12件」): every row a new actual.
- import confirmed (filled): the same, not a dry run, carrying its 下見's digest as the admin's
  confirmation does: ``change_propose`` applies N creations (a coordinator), inside a transaction
  rolled back afterwards. It follows its 下見 in the same process: that 下見 runs before the clock
  starts, so the file's rows (``read_actual_sheet``) and the 下見's outcome
  (``kpis.sheet_previews``) are remembered, as in the admin when one process serves both
  requests. Every 下見 starts from a file not read before.
- = 下見 + confirmed: what a person waits for in all; the ratio to the floor is the aim (3×).
- write floor: what the confirmation must write, and nothing else: the rows a confirmed import
  wrote (the new actuals, their history rows and the change items, read back from a confirmation
  rolled back), inserted again from ready-made instances with Django's ``bulk_create`` (in a
  transaction rolled back afterwards; building the instances is not timed). With the read floor,
  it is the least an import that reads the file and records the change can cost with the ORM,
  before any row is parsed, validated, compared or authorised: ``read + write floor``. The same
  rows inserted with the change engine's own insert (``plan.changes.inserts.insert_all``: Django's
  statement without ``bulk_create``'s per-value compiler work) are the lean write floor.
- library floor: django-import-export's own import with its defaults, a plain ``ModelResource``
  of ``KpiActual`` (fields kpi, year, text, status, note; a row found by kpi and year), its
  ``import_data(dry_run=True)`` over the same 5,100 rows given as a dataset of KPI keys and stored
  values (the dataset built untimed; no reading, no policy, no value parts, no proposed change):
  what the library the city asked for costs per row by itself, for a 下見 alone.
- import confirmed, cold: the confirmation in another process than its 下見 (nothing
  remembered: the file parsed again, every row compared again), and = 下見 + confirmed, cold.

Until the commit after 485320f the confirmation's clock also ran over the reading of the file
that its 下見 had already read (the "remembered" read was made inside the timed call), so the
remembered and cold confirmations measured the same work; figures from before then are not
comparable with later ones for that row.

Each step is timed by the clock and by this process's CPU time (the steadier figure on a shared
machine; for PostgreSQL it leaves out the server's work), each as a ratio to the floor's.
Queries are counted with an execute wrapper.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
IMPORT_AIM = 3.0


def _prepare_path() -> None:
    # Run as a script, this folder comes first on sys.path and benchmarks/import_export.py would
    # hide the django-import-export package: look for modules from the project instead.
    here = Path(__file__).resolve().parent
    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != here]
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def fill_every_row(data: bytes, text: str) -> bytes:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook["実績値"]
    column = [cell.value for cell in sheet[1]].index("表記") + 1
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row, column).value = text
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class _Rollback(Exception):
    pass


def counted(
    function: Callable[[], Any],
    *,
    rollback: bool = False,
    prepare: Callable[[], Any] | None = None,
) -> tuple[float, float, int, Any]:
    """(seconds, CPU seconds, queries, value) of one run; optionally inside a transaction rolled
    back, and after ``prepare`` (not measured). CPU seconds are this process's own (for
    PostgreSQL, without the server's work)."""
    from django.db import connection, transaction

    if prepare is not None:
        prepare()
    queries = [0]

    def count(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    outcome: list[Any] = []
    with connection.execute_wrapper(count):
        start, cpu_start = time.perf_counter(), time.process_time()
        if rollback:
            try:
                with transaction.atomic():
                    outcome.append(function())
                    seconds = time.perf_counter() - start
                    cpu = time.process_time() - cpu_start
                    raise _Rollback
            except _Rollback:
                pass
        else:
            outcome.append(function())
            seconds = time.perf_counter() - start
            cpu = time.process_time() - cpu_start
    return seconds, cpu, queries[0], outcome[0]


def best(repeat: int, function: Callable[[], Any], **options) -> dict:
    runs = [counted(function, **options) for _ in range(repeat)]
    return {
        "seconds": min(run[0] for run in runs),
        "cpu": min(run[1] for run in runs),
        "queries": runs[-1][2],
        "value": runs[-1][3],
    }


def measure_scale(edition, user, scale: int, repeat: int) -> dict:
    from benchmarks.import_export import openpyxl_read as read_floor
    from kpis.actual_sheet import ActualSheetFormat, forget_read_sheets
    from kpis.actual_sheet_services import actual_sheet_import
    from kpis.models import Kpi
    from kpis.resources_export import ActualSheetExportResource
    from kpis.sheet_previews import forget_previews

    kpis = Kpi.objects.filter(edition=edition)

    def export() -> bytes:
        dataset = ActualSheetExportResource(year=2024).export(queryset=kpis)
        return ActualSheetFormat().export_data(dataset)

    steps: dict[str, dict] = {"export": best(repeat, export)}
    sheet = steps["export"].pop("value")
    filled = fill_every_row(sheet, "12件")
    steps["read_floor"] = best(repeat, lambda: read_floor(filled))
    steps["read_floor"].pop("value")

    digests: dict[bytes, str] = {}

    def run(data: bytes, dry_run: bool):
        def call():
            outcome = actual_sheet_import(
                acting_user=user,
                source=data,
                dry_run=dry_run,
                expected_digest="" if dry_run else digests[data],
            )
            if outcome.errors:
                raise RuntimeError(outcome.errors[:3])
            digests[data] = outcome.digest
            return outcome.changes

        return call

    def state(data: bytes, remembered: bool) -> Callable[[], None]:
        # A 下見 reads a file not read before. A confirmation carries its 下見's digest and follows
        # it in the same process (the file's rows and the 下見's outcome remembered: that 下見
        # runs here, before the clock starts) or, "cold", in another one (nothing remembered).
        def prepare() -> None:
            forget_read_sheets()
            forget_previews()
            if remembered:
                outcome = actual_sheet_import(acting_user=user, source=data, dry_run=True)
                digests[data] = outcome.digest

        return prepare

    written = written_rows(user, filled, digests)
    steps["write_floor"] = write_floor(written, repeat)
    steps["write_floor_lean"] = write_floor(written, repeat, lean=True)
    steps["library_floor"] = library_floor(edition, filled)
    for key, data, dry_run, remembered in (
        ("preview_unedited", sheet, True, False),
        ("preview_filled", filled, True, False),
        ("confirm_filled", filled, False, True),
        ("confirm_filled_cold", filled, False, False),
    ):
        step = best(
            repeat, run(data, dry_run), rollback=not dry_run, prepare=state(data, remembered)
        )
        step["changes"] = step.pop("value")
        steps[key] = step
    for total, confirm in (
        ("import_filled", "confirm_filled"),
        ("import_cold", "confirm_filled_cold"),
    ):
        steps[total] = {
            "seconds": steps["preview_filled"]["seconds"] + steps[confirm]["seconds"],
            "cpu": steps["preview_filled"]["cpu"] + steps[confirm]["cpu"],
            "queries": steps["preview_filled"]["queries"] + steps[confirm]["queries"],
            "changes": steps[confirm]["changes"],
        }
    return {"scale": scale, "rows": kpis.count(), "bytes": len(filled), "steps": steps}


def written_rows(user, filled: bytes, digests: dict[bytes, str]) -> dict[str, list[Any]]:
    """The rows one confirmation of ``filled`` writes (its request, items, actuals and history
    rows, as values), read back from a confirmation rolled back."""
    from django.db import transaction

    from kpis.actual_sheet_services import actual_sheet_import
    from kpis.models import KpiActual
    from plan.models import ChangeRequest

    history = KpiActual.history.model
    written: dict[str, list[Any]] = {}
    with transaction.atomic():
        before = ChangeRequest.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        preview = actual_sheet_import(acting_user=user, source=filled, dry_run=True)
        outcome = actual_sheet_import(
            acting_user=user, source=filled, dry_run=False, expected_digest=preview.digest
        )
        if outcome.errors:
            raise RuntimeError(outcome.errors[:3])
        request = ChangeRequest.objects.get(pk__gt=before)
        written["request"] = list(ChangeRequest.objects.filter(pk=request.pk).values())
        written["items"] = list(request.items.values())
        written["history"] = list(history.objects.filter(change_request=request).values())
        keys = [row["id"] for row in written["history"]]
        written["actuals"] = list(KpiActual.objects.filter(pk__in=keys).values())
        transaction.set_rollback(True)
    digests.pop(filled, None)
    return written


def write_floor(written: dict[str, list[Any]], repeat: int, *, lean: bool = False) -> dict:
    """Best of ``repeat``: ``bulk_create`` (``lean``: the change engine's own insert,
    ``plan.changes.inserts.insert_all``) of ``written`` (``written_rows``), the change request
    they belong to made first, untimed."""
    from django.db import connection, transaction
    from django.db.models import Model

    from kpis.models import KpiActual
    from plan.changes.inserts import insert_all
    from plan.models import ChangeItem, ChangeRequest

    history = KpiActual.history.model

    def instances() -> list[tuple[type[Model], list[Model]]]:
        request_values = {**written["request"][0], "id": None}
        request = ChangeRequest.objects.create(**request_values)
        items: list[Model] = [
            ChangeItem(**{**row, "id": None, "change_request_id": request.pk})
            for row in written["items"]
        ]
        actuals: list[Model] = [KpiActual(**{**row, "id": None}) for row in written["actuals"]]
        rows: list[Model] = [history(**{**row, "history_id": None}) for row in written["history"]]
        return [(ChangeItem, items), (KpiActual, actuals), (history, rows)]

    runs = []
    for _ in range(repeat):
        queries = [0]

        def count(execute, sql, params, many, context, queries=queries):
            queries[0] += 1
            return execute(sql, params, many, context)

        with transaction.atomic():
            prepared = instances()
            with connection.execute_wrapper(count):
                start, cpu_start = time.perf_counter(), time.process_time()
                for model, objects in prepared:
                    if lean:
                        insert_all(model, objects, connection.alias)
                    else:
                        model._default_manager.bulk_create(objects)
                seconds = time.perf_counter() - start
                cpu = time.process_time() - cpu_start
            transaction.set_rollback(True)
        runs.append((seconds, cpu, queries[0], sum(len(objects) for _, objects in prepared)))
    return {
        "seconds": min(run[0] for run in runs),
        "cpu": min(run[1] for run in runs),
        "queries": runs[-1][2],
        "rows": runs[-1][3],
    }


def library_floor(edition, filled: bytes) -> dict:
    """One run (the slowest step): a default ``ModelResource``'s dry-run import of the sheet's rows
    (see the module's docstring)."""
    from import_export import resources
    from tablib import Dataset

    from kpis.actual_sheet import CODE, NOTE, SHEET, STATUS, TEXT, YEAR
    from kpis.models import ActualStatus, Kpi, KpiActual
    from plan.workbook.strings import load_workbook_read_only

    class PlainActualResource(resources.ModelResource):
        class Meta:
            model = KpiActual
            fields = ("kpi", "year", "text", "status", "note")
            import_id_fields = ("kpi", "year")

    keys = dict(Kpi.objects.filter(edition=edition).values_list("code", "pk"))
    statuses = {label: value for value, label in ActualStatus.choices}
    rows = load_workbook_read_only(io.BytesIO(filled))[SHEET].iter_rows(values_only=True)
    header = list(next(rows))
    columns = [header.index(name) for name in (CODE, YEAR, TEXT, STATUS, NOTE)]
    dataset = Dataset(headers=["kpi", "year", "text", "status", "note"])
    for row in rows:
        code, year, text, status, note = (row[column] for column in columns)
        status = statuses.get(status or "", ActualStatus.choices[0][0])
        dataset.append([keys[code], year, text, status, note or ""])

    def run() -> int:
        result = PlainActualResource().import_data(dataset, dry_run=True)
        if result.has_errors() or result.has_validation_errors():
            raise RuntimeError("the plain resource refused a row")
        return len(dataset)

    step = best(1, run)
    step["rows"] = step.pop("value")
    return step


LABELS = (
    ("export", "export (sheet of every KPI)"),
    ("read_floor", "openpyxl read floor"),
    ("preview_unedited", "import 下見 (unedited, 0 changes)"),
    ("preview_filled", "import 下見 (every row filled)"),
    ("confirm_filled", "import confirmed (every row a new actual)"),
    ("import_filled", "= 下見 + confirmed"),
    ("write_floor", "write floor (bulk_create of the rows written)"),
    ("write_floor_lean", "write floor (the engine's insert_all)"),
    ("library_floor", "library floor (a plain ModelResource's 下見)"),
    ("confirm_filled_cold", "import confirmed, cold (file not remembered)"),
    ("import_cold", "= 下見 + confirmed, cold"),
)


def format_report(server: str, results: Sequence[dict]) -> str:
    lines = [f"The yearly 実績値 sheet — {server}", ""]
    lines.append(
        f"{'scale':>6} {'rows':>6} {'step':44} {'seconds':>9} {'× floor':>8} "
        f"{'CPU s':>7} {'× floor':>8} {'queries':>8}"
    )
    verdicts = []
    for result in results:
        floor = result["steps"]["read_floor"]["seconds"]
        cpu_floor = result["steps"]["read_floor"]["cpu"]
        for key, label in LABELS:
            step = result["steps"][key]
            ratio = step["seconds"] / floor if floor else 0.0
            cpu_ratio = step["cpu"] / cpu_floor if cpu_floor else 0.0
            lines.append(
                f"×{result['scale']:<5} {result['rows']:>6} {label:44} {step['seconds']:>9.3f} "
                f"{ratio:>7.2f}× {step['cpu']:>7.3f} {cpu_ratio:>7.2f}× {step['queries']:>8}"
            )
        for key, label in (("import_filled", "下見 + confirmed"), ("import_cold", "cold")):
            total = result["steps"][key]["seconds"] / floor if floor else 0.0
            cpu_total = result["steps"][key]["cpu"] / cpu_floor if cpu_floor else 0.0
            verdicts.append(
                f"×{result['scale']}: {label} = {total:.2f}× the openpyxl read floor "
                f"(CPU time {cpu_total:.2f}×) "
                f"({'within' if total <= IMPORT_AIM else 'OVER'} the {IMPORT_AIM:.0f}× aim)"
            )
        for key, how in (("write_floor", "bulk_create"), ("write_floor_lean", "insert_all")):
            least = 1 + result["steps"][key]["seconds"] / floor if floor else 0.0
            cpu_least = 1 + result["steps"][key]["cpu"] / cpu_floor if cpu_floor else 0.0
            verdicts.append(
                f"×{result['scale']}: read + write floor ({how}) = {least:.2f}× the openpyxl "
                f"read floor (CPU time {cpu_least:.2f}×), before any row is checked"
            )
        plain = 1 + result["steps"]["library_floor"]["seconds"] / floor if floor else 0.0
        cpu_plain = 1 + result["steps"]["library_floor"]["cpu"] / cpu_floor if cpu_floor else 0.0
        verdicts.append(
            f"×{result['scale']}: read floor + a plain ModelResource's 下見 = {plain:.2f}× "
            f"(CPU time {cpu_plain:.2f}×): django-import-export's own row pass, once"
        )
    return "\n".join([*lines, "", *verdicts])


def harness() -> tuple[Callable, str, Callable]:
    """What this script shares with the other benchmarks: the throwaway database, its name's
    prefix and the scaling of the edition."""
    from benchmarks.harness import throwaway_database
    from benchmarks.import_export import DATABASE_PREFIX, scale_edition

    return throwaway_database, DATABASE_PREFIX, scale_edition


def main(argv: Sequence[str] | None = None) -> int:
    _prepare_path()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the measurements here")
    args = parser.parse_args(argv)

    throwaway_database, prefix, scale_edition = harness()
    with throwaway_database(args.database, args.postgres_url, prefix=prefix) as url:
        os.environ["DATABASE_URL"] = url
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection, connections

        from accounts.management.commands.setup_demo import EDITION_FIXTURE
        from accounts.models import Role, User
        from plan.models import Edition

        try:
            call_command("migrate", interactive=False, verbosity=0)
            call_command("loaddata", str(EDITION_FIXTURE), verbosity=0)
            edition = Edition.objects.get(fiscal_year=2024)
            user = User.objects.create_user(username="bench-coordinator", role=Role.COORDINATOR)
            server = connection.vendor
            results = []
            for scale in sorted(args.scales):
                scale_edition(edition, scale)
                print(f"measuring ×{scale}…", file=sys.stderr, flush=True)
                results.append(measure_scale(edition, user, scale, args.repeat))
        finally:
            connections.close_all()
    print(format_report(server, results), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
