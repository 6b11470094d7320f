"""Export the 「個別プロジェクト集」 to the city's Excel workbook (.xlsx).

    python manage.py export_plan -o FILE.xlsx [--edition 2024] [--bureau 産業経済局]
                                 [--goal IV] [--new] [--query 水素]

What to export is chosen with the admin's ``ProjectFilterSet`` (same conditions, same projects).
Without an edition, the latest. When a condition cannot be read (e.g. an unregistered 「所管局」)
or the file cannot be written, it says why and exits non-zero.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kpis.models import Kpi, ProjectKpi
from plan.filters import GOAL_CHOICES, ProjectFilterSet
from plan.models import Edition, Listing, Project
from plan.workbook import export_workbook


class Command(BaseCommand):
    help = (
        "個別プロジェクト集を Excel ブック (.xlsx) に書き出す (所管局・政策目標などで絞り込める)。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "-o", "--output", required=True, type=Path, help="書き出すファイル (.xlsx)"
        )
        parser.add_argument("--edition", type=int, help="版の年度 (西暦、例: 2024)。省くと最新の版")
        parser.add_argument("--bureau", help="所管局の名称 (例: 産業経済局)。共管の事業も含む")
        parser.add_argument(
            "--goal",
            choices=[value for value, _label in GOAL_CHOICES],
            help="政策目標 (下支え, I, II, III, IV)",
        )
        parser.add_argument("--new", action="store_true", help="新規事業 (<新>) だけ")
        parser.add_argument("--query", help="名称・概要・KPI の文言で検索 (全角/半角を問わない)")

    def handle(self, *args, **options) -> None:
        output: Path = options["output"]
        if output.suffix.lower() != ".xlsx":
            raise CommandError(f"書き出すファイルの名前は .xlsx で終えてください: {output}")
        if not output.parent.is_dir():
            raise CommandError(f"書き出し先のフォルダがありません: {output.parent}")
        edition = self.edition(options["edition"])

        params = {"edition": str(edition.fiscal_year)}
        if options["bureau"]:
            params["bureau"] = [options["bureau"]]
        if options["goal"]:
            params["goal"] = options["goal"]
        if options["new"]:
            params["is_new"] = "true"
        if options["query"]:
            params["q"] = options["query"]
        filterset = ProjectFilterSet(params, queryset=Project.objects.all())
        if not filterset.is_valid():
            if "bureau" in filterset.errors:
                raise CommandError(f"所管局「{options['bureau']}」は登録されていません。")
            reasons = "; ".join(
                f"{filterset.filters[name].label}: {' '.join(messages)}"
                for name, messages in filterset.errors.items()
            )
            raise CommandError(f"絞り込みの条件が読めません ({reasons})。")
        projects = filterset.qs

        data = export_workbook(projects)
        try:
            output.write_bytes(data)
        except OSError as error:
            raise CommandError(f"{output} に書き込めません: {error.strerror}") from error

        project_count = projects.count()
        row_count = Listing.objects.filter(project__in=projects).count()
        kpi_count = Kpi.objects.filter(
            pk__in=ProjectKpi.objects.filter(project__in=projects).values("kpi")
        ).count()
        self.stdout.write(
            f"{edition.title}: 「個別プロジェクト」{row_count} 行 (事業 {project_count} 件)、"
            f"「KPI」{kpi_count} 行を {output} に書き出しました。"
        )
        if project_count == 0:
            self.stderr.write("条件に当たる事業がありません (見出しだけのブックです)。")

    def edition(self, fiscal_year: int | None) -> Edition:
        editions = Edition.objects.select_related("plan").order_by("-fiscal_year")
        if fiscal_year is None:
            edition = editions.first()
            if edition is None:
                raise CommandError("版がありません。先に版を読み込んでください。")
            return edition
        matching = list(editions.filter(fiscal_year=fiscal_year))
        if not matching:
            raise CommandError(f"{fiscal_year}年度の版はありません。")
        if len(matching) > 1:
            raise CommandError(f"{fiscal_year}年度の版が複数の計画にあります。")
        return matching[0]
