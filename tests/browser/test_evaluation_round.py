"""The yearly evaluation round in a real browser, with the 2024 edition and the demo users:
the coordinator opens 令和6年度実績; sangyo fills and submits 放置竹林対策事業's sheet with an
actual for K035; the coordinator returns it with a comment; sangyo fixes and resubmits; the
coordinator confirms; 提出状況, the index and the report reflect each step. Screenshots are kept
in ``$SCREENSHOT_DIR`` (or the test's temporary directory)."""

import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.management.commands.setup_demo import DEFAULT_DEMO_PASSWORD
from evaluation.models import EvaluationSheet
from kpis.models import KpiActual

CSP_PATTERN = re.compile(r"content[- ]security[- ]policy", re.IGNORECASE)


@pytest.fixture
def demo_password():
    call_command("setup_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    def shoot(page, name: str, full_page: bool = True) -> None:
        page.screenshot(path=str(folder / f"evaluation-{name}.png"), full_page=full_page)

    shoot.folder = folder
    return shoot


def sign_out(page):
    page.locator("#user-tools").get_by_role("button", name="ログアウト").click()
    expect(page.locator("#content")).to_contain_text("ログイン")


def sheet_url(live_server, sheet) -> str:
    return f"{live_server.url}/admin/evaluation/evaluationsheet/{sheet.pk}/change/"


@pytest.mark.django_db(transaction=True)
def test_the_whole_evaluation_cycle(demo_password, admin_login, live_server, shots):
    console: list[str] = []

    # The coordinator opens 令和6年度実績.
    page = admin_login("coordinator", demo_password)
    page.on("console", lambda message: console.append(message.text))
    page.goto(f"{live_server.url}/admin/evaluation/evaluationround/add/")
    page.fill("#id_fiscal_year", "2024")
    page.fill("#id_deadline", "2025-06-30")
    page.get_by_role("button", name="照会を開始する").click()
    expect(page.locator("ul.messagelist li.success")).to_contain_text(
        "「令和6年度実績」の照会を開始しました (評価票 90件)。"
    )
    expect(page.locator("#progress-table")).to_contain_text("産業経済局")
    sign_out(page)

    # sangyo sees the to-do, fills the sheet and submits it (first without 「課題と今後の方向性」).
    page = admin_login("sangyo", demo_password)
    todo = page.locator("#evaluation-todo")
    expect(todo).to_contain_text("令和6年度実績の評価票: 未提出 9件 (期限6月30日)")
    shots(page, "1-staff-index")
    todo.get_by_role("link").click()
    page.get_by_role("link", name="放置竹林対策事業～森林環境譲与税事業～").click()
    sheet = EvaluationSheet.objects.get(project__code="P065")
    expect(page.locator("#kpi-K035")).to_contain_text("放置竹林整備面積")
    page.get_by_label("K035 の実績値").fill("18ha")
    page.fill("#id_achievements", "放置竹林 18ha を整備した。")
    page.locator("input[name=self_assessment][value=A]").check()
    page.get_by_role("button", name="提出").click()
    expect(page.locator("#sheet-errors")).to_contain_text(
        "提出するには次の項目を入力してください: 課題と今後の方向性"
    )
    expect(page.locator("#id_achievements")).to_have_value("放置竹林 18ha を整備した。")
    page.fill("#id_issues", "担い手の確保が課題。")
    page.get_by_role("button", name="提出").click()
    expect(page.locator("ul.messagelist li.success")).to_contain_text("評価票を提出しました")
    expect(page.locator("#sheet-state")).to_have_text("提出済")
    shots(page, "2-submitted")
    sign_out(page)

    # The coordinator returns it with a comment.
    page = admin_login("coordinator", demo_password)
    page.goto(sheet_url(live_server, sheet))
    page.fill("#id_comment", "整備面積の出典を書いてください。")
    page.get_by_role("button", name="差し戻す").click()
    expect(page.locator("#sheet-state")).to_have_text("差し戻し")
    sign_out(page)

    # sangyo sees the comment, fixes and resubmits.
    page = admin_login("sangyo", demo_password)
    page.goto(sheet_url(live_server, sheet))
    expect(page.locator("#return-comment")).to_contain_text("整備面積の出典を書いてください。")
    shots(page, "3-returned")
    page.fill("#id_issues", "担い手の確保が課題。出典: 林務課の集計。")
    page.get_by_role("button", name="提出").click()
    expect(page.locator("#sheet-state")).to_have_text("提出済")
    sign_out(page)

    # The coordinator confirms with a final grade; the actual becomes official.
    page = admin_login("coordinator", demo_password)
    expect(page.locator("#evaluation-todo")).to_contain_text("令和6年度実績の評価票: 未提出 89件")
    page.goto(sheet_url(live_server, sheet))
    page.select_option("#id_final_grade", "B")
    page.get_by_role("button", name="確定する").click()
    expect(page.locator("#sheet-state")).to_have_text("確定")
    expect(page.locator("#kpi-K035 .official")).to_contain_text("18ha (速報値)")
    expect(page.locator("#kpi-K035 .official")).to_contain_text("入力: 産業経済局 担当者 (sangyo)")
    expect(page.locator("#sheet-events")).to_contain_text("差し戻し")
    shots(page, "4-confirmed")
    actual = KpiActual.objects.get()
    assert (actual.kpi.code, actual.year, actual.text, actual.entered_by.username) == (
        "K035",
        2024,
        "18ha",
        "sangyo",
    )

    # 提出状況 and the report reflect it.
    page.goto(f"{live_server.url}/admin/evaluation/evaluationround/{sheet.round_id}/progress/")
    row = page.locator("#progress-table tr", has_text="産業経済局")
    # 未着手 8, 確定 1, of 9; the deadline (30 June 2025) has passed: 8 overdue.
    expect(row.locator("td")).to_have_text(["8", "0", "0", "0", "1", "9", "8"])
    shots(page, "5-progress")
    page.locator("#report-link").click()
    article = page.locator("#sheet-P065")
    expect(article).to_contain_text("最終評価: B")
    expect(article).to_contain_text("18ha")
    goal = page.locator("section.goal", has=article)
    expect(goal.locator("svg.bars rect.grade-B").first).to_be_attached()
    shots(page, "6-report-top", full_page=False)
    goal.locator("table.tally").screenshot(path=str(shots.folder / "evaluation-7-report-goal.png"))
    article.screenshot(path=str(shots.folder / "evaluation-8-report-sheet.png"))
    assert not [text for text in console if CSP_PATTERN.search(text)]
