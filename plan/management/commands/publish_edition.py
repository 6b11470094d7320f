"""Write a published edition (「公表済の版」) as static HTML to put on the city's website.

    python manage.py publish_edition 2024 -o DIR [--pdf]

Writes to DIR index.html (the title and the list of 「政策目標等」), one page per policy goal
(goal-N.html) and style.css (with --pdf, also the PDF of the 「個別プロジェクト集」). Only a published
edition is written (an edition being edited is refused).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from plan.editions.render import edition_document, edition_pdf, export_static
from plan.models import Edition

NOT_PUBLISHED = "{title}はまだ公表されていません。公表済の版だけを書き出します。"


class Command(BaseCommand):
    help = "公表済の版を静的な HTML (と PDF) に書き出す。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("fiscal_year", type=int, help="版の年度 (西暦、例: 2024)")
        parser.add_argument("-o", "--output", type=Path, required=True, help="書き出し先のフォルダ")
        parser.add_argument("--pdf", action="store_true", help="PDF も書き出す")

    def handle(self, *args, **options) -> None:
        edition = (
            Edition.objects.select_related("plan")
            .filter(fiscal_year=options["fiscal_year"])
            .first()
        )
        if edition is None:
            raise CommandError(f"{options['fiscal_year']}年度の版がありません。")
        if not edition.is_published:
            raise CommandError(NOT_PUBLISHED.format(title=edition.title))
        document = edition_document(edition)
        written = export_static(document, options["output"])
        if options["pdf"]:
            path = options["output"] / f"edition-{edition.fiscal_year}.pdf"
            path.write_bytes(edition_pdf(document))
            written.append(path)
        for path in written:
            self.stdout.write(str(path))
        self.stdout.write(f"{edition.title}を {len(written)} 個のファイルに書き出しました。")
