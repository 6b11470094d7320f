"""The published collection (個別プロジェクト集), regenerated from an edition: the document's data,
its HTML (print page, static export) and its PDF (WeasyPrint: A4, Japanese fonts embedded, table
headers repeated on every page, a project's rows kept on one page where possible).

Query bound: ``edition_document`` runs a fixed number of queries (eight), whatever the edition's
size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import Prefetch
from django.template.loader import render_to_string

from kpis.models import ProjectKpi
from plan.models import Edition, Listing, PolicyGoal, ProjectBureau

NUMBERED = "①②③④⑤⑥⑦⑧⑨⑩"
NONE = "-"


@dataclass(frozen=True)
class DocumentKpi:
    indicator: str
    baseline: str
    target: str


@dataclass(frozen=True)
class DocumentRow:
    number: int
    bureaus: str
    name: str
    is_new: bool
    summary: str
    kpis: list[DocumentKpi]

    def _column(self, name: str) -> list[str]:
        values = [getattr(kpi, name) or NONE for kpi in self.kpis]
        if len(values) > 1:
            return [f"{NUMBERED[i] if i < len(NUMBERED) else ''}{v}" for i, v in enumerate(values)]
        return values or [NONE]

    @property
    def indicators(self) -> list[str]:
        return self._column("indicator")

    @property
    def baselines(self) -> list[str]:
        return self._column("baseline")

    @property
    def targets(self) -> list[str]:
        return self._column("target")


@dataclass
class DocumentMeasure:
    goal: PolicyGoal
    label: str  # 「(1) 環境活動と地域活性化の好循環」
    bullets: list[str]
    rows: list[DocumentRow] = field(default_factory=list)


@dataclass
class Document:
    edition: Edition
    title: str  # 「北九州市環境基本計画 個別プロジェクト集」
    goals: list[PolicyGoal]
    measures: list[DocumentMeasure]

    @property
    def rows(self) -> list[DocumentRow]:
        return [row for measure in self.measures for row in measure.rows]


def goal_heading(goal: PolicyGoal) -> str:
    """「政策目標I 脱炭素…」, the foundation with its tagline: 「政策目標を下支えする取り組み ～「…」～」."""
    if goal.tagline:
        return f"{goal.label} ～「{goal.tagline}」～"
    return goal.label


def edition_document(edition: Edition) -> Document:
    """The document of an edition, in the published order: goals, measures, listings by No."""
    listings = Listing.objects.select_related("project").prefetch_related(
        Prefetch(
            "project__bureau_links",
            queryset=ProjectBureau.objects.select_related("bureau").order_by("position"),
        ),
        Prefetch(
            "project__kpi_links",
            queryset=ProjectKpi.objects.select_related("kpi")
            .prefetch_related("kpi__values")
            .order_by("position"),
        ),
    )
    goals = list(
        PolicyGoal.objects.filter(edition=edition)
        .order_by("display_order")
        .prefetch_related(
            "measures", Prefetch("measures__listings", queryset=listings.order_by("number"))
        )
    )
    measures = []
    for goal in goals:
        for measure in goal.measures.all():
            section = DocumentMeasure(
                goal, f"({measure.number}) {measure.title}", measure.description_bullets
            )
            for listing in measure.listings.all():
                project = listing.project
                section.rows.append(
                    DocumentRow(
                        number=listing.number,
                        bureaus=" ".join(link.bureau.name for link in project.bureau_links.all()),
                        name=project.name,
                        is_new=project.is_new,
                        summary=project.summary,
                        kpis=[
                            DocumentKpi(
                                link.kpi.indicator,
                                link.kpi.value_text("baseline"),
                                link.kpi.value_text("target"),
                            )
                            for link in project.kpi_links.all()
                        ],
                    )
                )
            measures.append(section)
    return Document(edition, f"{edition.plan.name} 個別プロジェクト集", goals, measures)


def document_html(
    document: Document, *, measures: list[DocumentMeasure] | None = None, **context
) -> str:
    """The document as one HTML page (``measures``: only these, e.g. one goal's)."""
    return render_to_string(
        "plan/edition/document.html",
        {
            "document": document,
            "measures": document.measures if measures is None else measures,
            "overview": measures is None or context.get("overview", False),
            **context,
        },
    )


def edition_pdf(document: Document) -> bytes:
    """The document as a PDF (WeasyPrint; needs Pango and a Japanese font: fonts-noto-cjk)."""
    from weasyprint import HTML

    return HTML(string=document_html(document)).write_pdf()


def export_static(document: Document, directory: Path) -> list[Path]:
    """Plain pages for the city's website: index.html (the title and the overview, linking to each
    goal) and one page per policy goal, with style.css. Returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    style = directory / "style.css"
    style.write_text(render_to_string("plan/edition/document.css"), encoding="utf-8")
    written.append(style)
    pages = []
    for index, goal in enumerate(document.goals):
        name = f"goal-{index}.html"
        pages.append((goal, name))
        measures = [m for m in document.measures if m.goal.pk == goal.pk]
        path = directory / name
        path.write_text(
            document_html(
                document, measures=measures, page_title=goal_heading(goal), stylesheet="style.css"
            ),
            encoding="utf-8",
        )
        written.append(path)
    index_path = directory / "index.html"
    index_path.write_text(
        document_html(
            document, measures=[], overview=True, goal_pages=pages, stylesheet="style.css"
        ),
        encoding="utf-8",
    )
    written.insert(0, index_path)
    return written
