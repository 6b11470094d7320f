"""Per-bureau permissions, the approval cycle and the Content-Security-Policy,
in a real browser with the 2024 edition and the demo users that ``make run`` loads.

``transaction=True`` (the live server runs in another thread) flushes the database after each test,
so each test loads the edition again through ``setup_demo``.
"""

import os
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.management.commands.setup_demo import DEFAULT_DEMO_PASSWORD
from kpis.models import Kpi
from plan.models import ChangeRequest, Project

KANKYO_PROJECT = "まち美化ボランティアへの助成事業"  # 環境局
SANGYO_PROJECT = "海岸漂着物処理推進事業"  # 産業経済局
NEW_SUMMARY = "ボランティアによる海岸清掃活動を支援し、漂着ごみを回収・処理する。"
REASON = "令和6年度の事業内容に合わせるため"


@pytest.fixture
def demo_password():
    """The 2024 edition and the demo users, as ``make run`` prepares them."""
    call_command("setup_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


def project_named(name: str) -> Project:
    return Project.objects.get(name=name)


def success_message(page):
    return page.locator("ul.messagelist li.success")


def propose_summary(page, live_server, project: Project, summary: str, reason: str = REASON):
    """As bureau staff: edit the project's 概要 and save; the save becomes a change request."""
    page.goto(f"{live_server.url}/admin/plan/project/{project.pk}/change/")
    page.locator("textarea[name=summary]").fill(summary)
    page.locator("textarea[name=change_reason]").fill(reason)
    page.locator("input[name=_save]").click()
    page.wait_for_url(re.compile(r"/admin/plan/changerequest/\d+/change/$"))
    expect(success_message(page)).to_contain_text("変更申請")
    expect(success_message(page)).to_contain_text("を提出しました")
    return ChangeRequest.objects.get(pk=int(page.url.rstrip("/").split("/")[-2]))


def sign_out(page):
    """The admin's sign-out is a POST form in the header."""
    page.locator("#user-tools").get_by_role("button", name="ログアウト").click()
    expect(page.locator("#content")).to_contain_text("ログイン")


@pytest.mark.django_db(transaction=True)
def test_staff_find_another_bureaus_project_read_only_and_propose_a_change_to_their_own(
    demo_password, admin_login, live_server
):
    page = admin_login("sangyo", demo_password)

    # A 環境局 project: its reading view, nothing to edit and nothing to save.
    other = project_named(KANKYO_PROJECT)
    page.goto(f"{live_server.url}/admin/plan/project/{other.pk}/change/")
    expect(page.locator(".reading-view .field-name")).to_have_text(KANKYO_PROJECT)
    expect(page.locator(".reading-view .field-summary")).to_contain_text("まち美化ボランティア袋")
    expect(page.locator("input[name=_save]")).to_have_count(0)
    expect(page.locator("input[name=_continue]")).to_have_count(0)
    expect(page.locator("textarea[name=summary]")).to_have_count(0)
    expect(page.locator("textarea[name=change_reason]")).to_have_count(0)

    # An 産業経済局 project: the save becomes a change request; the official record stays.
    own = project_named(SANGYO_PROJECT)
    old_summary = own.summary
    page.goto(f"{live_server.url}/admin/plan/project/{own.pk}/change/")
    expect(page.locator("input[name=_save]")).to_be_visible()
    change_request = propose_summary(page, live_server, own, NEW_SUMMARY)

    expect(success_message(page)).to_contain_text(f"#{change_request.pk}")
    expect(page.locator("#change-request-status")).to_have_text("審査待ち")
    assert change_request.status == ChangeRequest.Status.PENDING
    assert change_request.submitted_by.username == "sangyo"
    assert change_request.reason == REASON
    assert [(item.operation, item.proposed) for item in change_request.items.all()] == [
        ("update", {"summary": NEW_SUMMARY})
    ]
    own.refresh_from_db()
    assert own.summary == old_summary


@pytest.mark.django_db(transaction=True)
def test_staff_propose_and_the_coordinator_approves(demo_password, admin_login, live_server):
    project = project_named(SANGYO_PROJECT)
    old_summary = project.summary

    page = admin_login("sangyo", demo_password)
    change_request = propose_summary(page, live_server, project, NEW_SUMMARY)
    sign_out(page)

    page = admin_login("coordinator", demo_password)
    summary = page.locator("#change-request-summary")
    summary.get_by_role("link", name="審査待ちの変更申請: 1件").click()
    page.locator("#result_list").get_by_role("link", name=f"#{change_request.pk}").click()
    # (The admin keeps the changelist's filters in the query string.)
    page.wait_for_url(re.compile(rf"/admin/plan/changerequest/{change_request.pk}/change/(\?|$)"))

    diff = page.locator("table.diff")
    expect(diff).to_have_count(1)
    row = diff.locator("tbody tr").filter(has=page.locator("th", has_text="概要"))
    expect(row.locator("td.before")).to_have_text(old_summary)
    expect(row.locator("td.after")).to_have_text(NEW_SUMMARY)
    expect(page.locator(".change-request-review")).to_contain_text(REASON)

    page.locator("#decision-form").get_by_role("button", name="承認して反映").click()
    expect(success_message(page)).to_contain_text(f"変更申請 #{change_request.pk} を承認し")
    expect(page.locator("#change-request-status")).to_have_text("承認・反映済み")
    expect(page.locator("#decision-form")).to_have_count(0)

    page.goto(f"{live_server.url}/admin/plan/project/{project.pk}/change/")
    expect(page.locator("textarea[name=summary]")).to_have_value(NEW_SUMMARY)
    project.refresh_from_db()
    assert project.summary == NEW_SUMMARY

    page.goto(f"{live_server.url}/admin/plan/project/{project.pk}/history/")
    history = page.locator("#change-history")
    headers = history.locator("thead th")
    expect(headers.filter(has_text="申請者")).to_have_count(1)
    expect(headers.filter(has_text="承認者")).to_have_count(1)
    row = history.locator("tbody tr").filter(has_text=NEW_SUMMARY)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("sangyo")
    expect(row).to_contain_text("coordinator")
    expect(row.get_by_role("link", name=f"#{change_request.pk}")).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_the_coordinator_returns_a_request_with_a_comment(demo_password, admin_login, live_server):
    project = project_named(SANGYO_PROJECT)
    old_summary = project.summary
    comment = "回収量の目標も概要に書いてください。"

    page = admin_login("sangyo", demo_password)
    change_request = propose_summary(page, live_server, project, NEW_SUMMARY)
    sign_out(page)

    page = admin_login("coordinator", demo_password)
    page.goto(f"{live_server.url}/admin/plan/changerequest/{change_request.pk}/change/")
    decision = page.locator("#decision-form")
    decision.locator("#id_comment").fill(comment)
    decision.get_by_role("button", name="差し戻し", exact=True).click()
    expect(success_message(page)).to_contain_text(f"変更申請 #{change_request.pk} を差し戻しました")
    expect(page.locator("#decision-comment")).to_have_text(comment)
    sign_out(page)

    page = admin_login("sangyo", demo_password)
    returned = page.locator("#change-request-summary").get_by_role(
        "link", name="差し戻された自分の申請: 1件"
    )
    expect(returned).to_be_visible()
    page.goto(f"{live_server.url}/admin/plan/project/{project.pk}/change/")
    banner = page.locator(".change-requests-banner")
    expect(banner).to_contain_text(f"変更申請 #{change_request.pk}")
    expect(banner).to_contain_text(f"差し戻しのコメント: {comment}")
    # The form shows what sangyo proposed, ready to amend; the official record is unchanged.
    expect(page.locator("textarea[name=summary]")).to_have_value(NEW_SUMMARY)
    project.refresh_from_db()
    assert project.summary == old_summary
    change_request.refresh_from_db()
    assert (change_request.status, change_request.decision_comment) == ("returned", comment)


CSP_PATTERN = re.compile(r"content[- ]security[- ]policy", re.IGNORECASE)


@pytest.mark.django_db(transaction=True)
def test_the_admin_works_under_the_content_security_policy(
    demo_password, admin_login, live_server, page
):
    """No CSP violation (console message or securitypolicyviolation event) and no script error:
    sangyo's sign-in and save, then the coordinator's index, changelist and a filter, a change form
    with inlines and autocomplete widgets, and the review page of a change request."""
    console: list[str] = []
    violations: list[str] = []
    page_errors: list[str] = []
    page.on("console", lambda message: console.append(f"[{message.type}] {message.text}"))
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.expose_function("reportCspViolation", lambda text: violations.append(text))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', (event) => window.reportCspViolation("
        "`${document.location.pathname}: ${event.violatedDirective} blocked ${event.blockedURI}"
        " (${event.sourceFile}:${event.lineNumber})`));"
    )

    project = project_named(SANGYO_PROJECT)
    page = admin_login("sangyo", demo_password)
    change_request = propose_summary(page, live_server, project, NEW_SUMMARY)
    sign_out(page)

    page = admin_login("coordinator", demo_password)
    response = page.goto(f"{live_server.url}/admin/")
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    expect(page.locator("#change-request-summary")).to_be_visible()

    # The changelist, and a filter.
    page.goto(f"{live_server.url}/admin/plan/project/")
    expect(page.locator("#result_list tbody tr")).to_have_count(90)
    page.locator("#changelist-filter").get_by_role("link", name="産業経済局", exact=True).click()
    expect(page).to_have_url(re.compile(r"bureaus__id__exact=\d+"))
    expect(page.locator("#result_list")).to_contain_text(SANGYO_PROJECT)
    expect(page.locator("#result_list")).not_to_contain_text(KANKYO_PROJECT)

    # A change form with inlines and autocomplete widgets: search for a KPI in the KPI inline.
    page.goto(f"{live_server.url}/admin/plan/project/{project.pk}/change/")
    kpi_row = page.locator("#kpi_links-group tr.form-row.has_original").first
    expect(kpi_row).to_be_visible()
    kpi_row.locator(".field-kpi .select2-selection").click()
    search = page.locator(".select2-container--open .select2-search__field")
    expect(search).to_be_visible()
    term = Kpi.objects.filter(edition=project.edition).exclude(projects=project).first()
    term = term.indicator[:4]
    search.fill(term)
    results = page.locator(".select2-container--open .select2-results__option")
    expect(results.filter(has_text=term).first).to_be_visible()
    page.keyboard.press("Escape")

    # The review page.
    page.goto(f"{live_server.url}/admin/plan/changerequest/{change_request.pk}/change/")
    expect(page.locator("table.diff")).to_be_visible()
    expect(page.locator("#decision-form")).to_be_visible()

    csp_messages = [text for text in console if CSP_PATTERN.search(text)]
    assert not csp_messages, "\n".join(csp_messages)
    assert not violations, "\n".join(violations)
    assert not page_errors, "\n".join(page_errors)
