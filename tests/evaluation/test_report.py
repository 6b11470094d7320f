"""The report's counts on a seeded round of the 2024 edition (literal numbers), and the query
counts of 「提出状況」 and the report, which do not grow with the number of projects."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from evaluation.models import EvaluationSheet
from evaluation.report import build_report, report_workbook
from evaluation.services import round_open
from evaluation.states import SheetState
from tests.factories import (
    BureauFactory,
    KpiFactory,
    ListingFactory,
    MeasureFactory,
    ProjectFactory,
    ProjectKpiFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

STATUSES = {"K035": "遅れ", "K040": "順調", "K002": "達成"}


@pytest.fixture
def seeded(world, evaluation_round, monkeypatch):
    """P001 confirmed A/A and P002 draft D (「下支え」-(1)); P065 confirmed B/B (III-(1)); P071, P072,
    P073 submitted A, A, C (III-(2)). K035 「遅れ」, K040 「順調」, K002 「達成」, every other KPI 「評価不可」."""
    monkeypatch.setattr(
        "evaluation.report.kept_kpi_statuses",
        lambda edition, kpis, year: {kpi.pk: STATUSES.get(kpi.code, "評価不可") for kpi in kpis},
    )
    sheets = EvaluationSheet.objects.filter(round=evaluation_round)
    now = timezone.now()
    for code, state, grade, final in [
        ("P001", SheetState.CONFIRMED, "A", "A"),
        ("P002", SheetState.DRAFT, "D", ""),
        ("P065", SheetState.CONFIRMED, "B", "B"),
        ("P071", SheetState.SUBMITTED, "A", ""),
        ("P072", SheetState.SUBMITTED, "A", ""),
        ("P073", SheetState.SUBMITTED, "C", ""),
    ]:
        sheets.filter(project__code=code).update(
            state=state,
            self_assessment=grade,
            final_grade=final,
            confirmed_at=now if final else None,
        )
    return evaluation_round


def counts(tally) -> dict:
    return {
        "sheets": tally.sheets,
        "self": [n for _c, _l, n in tally.self_assessment_rows],
        "final": [n for _c, _l, n in tally.final_grade_rows],
        "kpis": tally.kpis,
        "status": [n for _c, _l, n in tally.kpi_status_rows],
    }


def test_the_reports_counts(seeded):
    report = build_report(seeded)
    goals = {goal.goal.short_label: goal for goal in report.goals}
    # self and final: A, B, C, D, none; status: 「達成」, 「順調」, 「やや遅れ」, 「遅れ」, 「評価不可」
    assert counts(report.total) == {
        "sheets": 90,
        "self": [3, 1, 1, 1, 84],
        "final": [1, 1, 0, 0, 88],
        "kpis": 51,
        "status": [1, 1, 0, 1, 48],
    }
    assert counts(goals["下支え"].tally) == {
        "sheets": 25,
        "self": [1, 0, 0, 1, 23],
        "final": [1, 0, 0, 0, 24],
        "kpis": 16,
        "status": [1, 0, 0, 0, 15],
    }
    assert counts(goals["下支え"].measures[0].tally) == {
        "sheets": 13,
        "self": [1, 0, 0, 1, 11],
        "final": [1, 0, 0, 0, 12],
        "kpis": 9,
        "status": [1, 0, 0, 0, 8],
    }
    assert counts(goals["III"].tally) == {
        "sheets": 26,
        "self": [2, 1, 1, 0, 22],
        "final": [0, 1, 0, 0, 25],
        "kpis": 16,
        "status": [0, 1, 0, 1, 14],
    }
    assert counts(goals["III"].measures[1].tally) == {
        "sheets": 5,
        "self": [2, 0, 1, 0, 2],
        "final": [0, 0, 0, 0, 5],
        "kpis": 2,
        "status": [0, 1, 0, 0, 1],
    }
    # Goal IV: 4 projects listed 10 times over its 5 measures; each sheet once in the goal.
    assert [goal.tally.sheets for goal in report.goals] == [25, 18, 18, 26, 4]
    assert [m.tally.sheets for m in goals["IV"].measures] == [2, 3, 1, 2, 2]
    # Every sheet appears once after the summaries.
    assert sum(len(goal.entries) for goal in report.goals) == 90


def test_the_bars(seeded):
    report = build_report(seeded)
    bar = report.goals[3].measures[1].tally.self_assessment_bar  # III-(2): A 2, C 1, none 2
    assert [(s.css, s.x, s.width, s.count) for s in bar] == [
        ("grade-A", 0.0, 96.0, 2),
        ("grade-C", 96.0, 48.0, 1),
        ("grade-none", 144.0, 96.0, 2),
    ]


def test_the_workbook(seeded):
    workbook = openpyxl.load_workbook(io.BytesIO(report_workbook(build_report(seeded))))
    summary = workbook["集計"]
    rows = list(summary.iter_rows(min_row=3, values_only=True))
    assert rows[-1][:8] == ("合計", None, 90, 3, 1, 1, 1, 84)
    assert workbook["評価票"].max_row == 91


def build_edition(projects: int):
    """An edition of ``projects`` projects, each with two bureaus, two listings and a KPI."""
    bureaus = [BureauFactory(), BureauFactory()]
    measure = MeasureFactory()
    for _ in range(projects):
        project = ProjectFactory(bureaus=bureaus, edition=measure.goal.edition)
        ListingFactory(project=project, measure=measure)
        ListingFactory(project=project, measure__goal=measure.goal)
        ProjectKpiFactory(project=project, kpi=KpiFactory(edition=project.edition))
    return measure.goal.edition


@pytest.mark.parametrize("projects", [5, 60])
def test_progress_and_report_queries_do_not_grow(client, django_assert_max_num_queries, projects):
    edition = build_edition(projects)
    coordinator = UserFactory(role="coordinator")
    evaluation_round = round_open(
        acting_user=coordinator,
        edition=edition,
        fiscal_year=2024,
        deadline=datetime.date(2025, 6, 30),
    )
    client.force_login(coordinator)
    # 8 and 19 at 5 and at 60 projects (session, user, its bureaus, the pages' own reads, the
    # database stamp and the 「達成状況」 judgement of the edition's KPIs: their figures in two, codes,
    # measures and bureaus, the measures' goals); 14 once that judgement is kept.
    with django_assert_max_num_queries(8):
        progress = client.get(
            reverse("admin:evaluation_evaluationround_progress", args=[evaluation_round.pk])
        )
    assert progress.status_code == 200
    url = reverse("admin:evaluation_evaluationround_report", args=[evaluation_round.pk])
    with django_assert_max_num_queries(19):
        page = client.get(url)
    assert page.content.decode().count('class="sheet"') == projects
    with django_assert_max_num_queries(14):
        again = client.get(url)
    assert again.content == page.content


def test_the_reports_statuses_are_the_achievement_modules(world, evaluation_round):
    """Read from the dashboard's kept judgement of the edition and year: the same status for each
    KPI as ``kpi_statuses`` judging them alone, with the sample actuals (at least four statuses),
    and an actual deleted seen at once."""
    from evaluation.achievement import kept_kpi_statuses, kpi_statuses
    from kpis.models import Kpi, KpiActual
    from kpis.samples import load_sample_actuals

    edition = evaluation_round.edition
    load_sample_actuals(edition)
    kpis = list(Kpi.objects.filter(edition=edition))
    alone = kpi_statuses(kpis, 2024)
    assert {"達成", "順調", "やや遅れ", "評価不可"} <= set(alone.values())
    assert kept_kpi_statuses(edition, kpis, 2024) == alone
    assert kept_kpi_statuses(edition, kpis, 2024) == alone  # from the cache
    kpi = next(kpi for kpi in kpis if alone[kpi.pk] == "達成")
    KpiActual.objects.filter(kpi=kpi).delete()  # each with its historical row
    now = kept_kpi_statuses(edition, kpis, 2024)
    assert now == kpi_statuses(kpis, 2024)
    assert now[kpi.pk] == "評価不可"


def test_the_workbook_never_holds_a_formula(seeded):
    EvaluationSheet.objects.filter(project__code="P065").update(
        achievements='=HYPERLINK("http://example.com")', issues="+1"
    )
    workbook = openpyxl.load_workbook(io.BytesIO(report_workbook(build_report(seeded))))
    row = next(r for r in workbook["評価票"].iter_rows(min_row=2) if r[1].value == "P065")
    assert (row[5].value, row[5].data_type, row[8].value, row[8].data_type) == (
        '=HYPERLINK("http://example.com")',
        "s",
        "+1",
        "s",
    )


def test_a_sheet_in_the_report_escapes_and_breaks_lines(seeded, client, world):
    """The report's HTML of a sheet (written in Python, ``evaluation.report_html``): text escaped,
    line breaks (CRLF, CR, LF) as <br>, empty fields as 「—」, KPIs with their actual and status.
    The expected HTML is what the template rendered before the sheet moved to Python."""
    EvaluationSheet.objects.filter(round=seeded, project__code="P001").update(
        achievements="成果 <b>\"A\"</b> & 'B'\r\n二行目\r三行目\n四行目", issues=""
    )
    client.force_login(world.coordinator)
    html = client.get(
        reverse("admin:evaluation_evaluationround_report", args=[seeded.pk])
    ).content.decode()
    start = html.index('<article class="sheet" id="sheet-P001">')
    article = html[start : html.index("</article>", start) + len("</article>")]
    assert article == (
        '<article class="sheet" id="sheet-P001">\n'
        '  <h3>P001 まち美化ボランティアへの助成事業 <span class="bureaus">(環境局)</span></h3>\n'
        '  <p class="meta">状態: 確定 / 自己評価: A / 最終評価: A</p>\n'
        '  <table class="kpis"><thead><tr><th>KPI</th><th>実績値</th><th>状況</th></tr></thead>'
        "<tbody><tr><td>K001 市民の自主的なまち美化意識の推進</td><td>—</td><td>評価不可</td></tr>"
        "</tbody></table>\n"
        "  <h4>取組内容と成果</h4><p>成果 &lt;b&gt;&quot;A&quot;&lt;/b&gt; &amp; &#x27;B&#x27;"
        "<br>二行目<br>三行目<br>四行目</p>\n"
        "  <h4>課題と今後の方向性</h4><p>—</p>\n"
        "</article>"
    )
