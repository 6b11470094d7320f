"""Japanese throughout: the main pages, walked as each role, show no English or stock Django
phrasing, the index lists the apps as people use them, and the history names fields in Japanese.

The words to use are in docs/glossary.md; the phrases below are the ones it rules out.
"""

import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Bureau, Role
from plan import changes
from plan.changes import ProposedChange
from plan.models import Project
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

#: Phrases no page may show (visible text, button labels and the page title).
FORBIDDEN = [
    "Django",
    "ようこそ",
    "サインイン",
    "サインアウト",
    "下見",
    "Excel に出力",
    "EXCEL",
    "。)。",
    "Label",
    "Attempt Time",
    "Access Log",
    "User Agent",
    "IP Address",
    "Logout Time",
    "First name",
    "Last name",
    "Staff status",
    "Username",
]
#: Django's 「変更する 個別プロジェクト を選択」 / 「表示するKPIを選択」.
STOCK_LIST_TITLE = re.compile(r"(変更|表示)する\s*\S+\s*を選択")

#: How many pages of one shape (the same URL with other ids) to open: the first is enough.
MAX_PAGES_PER_ROLE = 60


class VisibleText(HTMLParser):
    """The text a person reads: text outside <script>/<style>, submit buttons' labels, <title>."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("script", "style"):
            self._hidden += 1
        if tag == "input" and attributes.get("type") in ("submit", "button"):
            self.parts.append(attributes.get("value") or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


def problems(html: str) -> list[str]:
    text = visible_text(html)
    found = [phrase for phrase in FORBIDDEN if phrase in text]
    found += STOCK_LIST_TITLE.findall(text) and [STOCK_LIST_TITLE.search(text).group(0)]
    return found


def shape(url: str) -> str:
    """Pages that differ only by ids or query are one shape."""
    return re.sub(r"/\d+/", "/N/", url.split("?")[0])


def walk(client: Client, start: list[str]) -> dict[str, list[str]]:
    """Open the pages reachable from ``start`` (one per shape; no deletion or sign-out) and
    return the forbidden phrases found on each."""
    queue, seen, found = list(start), set(), {}
    while queue and len(seen) < MAX_PAGES_PER_ROLE:
        url = queue.pop(0)
        if shape(url) in seen:
            continue
        seen.add(shape(url))
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        if bad := problems(html):
            found[url] = bad
        for href in re.findall(r'href="(/admin/[^"#]*)"', html):
            href = href.replace("&amp;", "&")
            if not re.search(r"/(delete|logout|password)/", href):
                queue.append(href)
    assert len(seen) > 10, "the walk should reach the main pages"
    return found


@pytest.fixture
def people(edition_2024):
    sangyo = Bureau.objects.get(name="産業経済局")
    staff = UserFactory(username="sangyo", role=Role.BUREAU_STAFF, bureaus=[sangyo])
    project = Project.objects.filter(bureaus=sangyo).order_by("code").first()
    changes.change_request_submit(
        acting_user=staff,
        edition=project.edition,
        changes=[ProposedChange.update(project, {"summary": "概要を改めた。"})],
        reason="内容の更新",
        title=project.name,
        project=project,
    )
    return {
        "staff": staff,
        "coordinator": UserFactory(username="coordinator", role=Role.COORDINATOR),
        "viewer": UserFactory(username="viewer", role=Role.VIEWER),
        "system_admin": UserFactory(username="itkanri", role=Role.SYSTEM_ADMIN),
    }


@pytest.mark.parametrize("role", ["staff", "coordinator", "viewer", "system_admin"])
def test_no_english_or_stock_phrases_on_the_main_pages(people, role):
    client = Client()
    client.force_login(people[role])
    start = [
        reverse("admin:index"),
        reverse("admin:plan_project_changelist"),
        reverse("admin:plan_changerequest_changelist"),
        reverse("admin:plan_changerequest_audit"),
    ]
    if role == "system_admin":
        start += [reverse("admin:accounts_signinrecord_changelist")]
    assert walk(client, start) == {}


def test_list_titles_name_the_list():
    client = Client()
    client.force_login(UserFactory(role=Role.VIEWER))
    html = client.get(reverse("admin:plan_project_changelist")).content.decode()
    assert "<h1>個別プロジェクトの一覧</h1>" in html
    assert "<title>個別プロジェクトの一覧 | 環境基本計画 管理</title>" in html


def test_the_index_lists_the_plan_then_kpis_then_users(people):
    client = Client()
    client.force_login(people["coordinator"])
    html = client.get(reverse("admin:index")).content.decode()
    captions = re.findall(r'<caption>\s*<a [^>]*class="section"[^>]*>([^<]+)</a>', html)
    assert captions == ["環境基本計画", "KPI (事業目標)", "進捗評価", "利用者と所管局"]
    plan_models = re.findall(r'<th scope="row" id="plan-[^"]+">\s*<a [^>]*>([^<]+)</a>', html)
    assert plan_models == ["個別プロジェクト", "変更申請", "基本施策", "政策目標", "版", "計画"]


def test_the_lockout_page_names_this_site(client):
    UserFactory(username="sangyo", password="right-Pass-2024", role=Role.BUREAU_STAFF)
    for _ in range(6):
        response = client.post(reverse("admin:login"), {"username": "sangyo", "password": "wrong"})
    html = response.content.decode()
    assert response.status_code == 429
    assert "北九州市環境基本計画 個別プロジェクト集" in html
    assert problems(html) == []


def test_a_users_history_names_the_changed_fields_in_japanese(people):
    client = Client()
    client.force_login(people["system_admin"])
    account = UserFactory(username="tanaka", role=Role.VIEWER)
    url = reverse("admin:accounts_user_change", args=[account.pk])
    response = client.post(
        url,
        {
            "username": "tanaka",
            "first_name": "太郎",
            "last_name": "田中",
            "email": "tanaka@example.jp",
            "role": Role.VIEWER,
            "is_active": "on",
            "is_staff": "on",
            "date_joined_0": "2026-04-01",
            "date_joined_1": "09:00:00",
        },
    )
    assert response.status_code == 302
    history = client.get(reverse("admin:accounts_user_history", args=[account.pk]))
    text = visible_text(history.content.decode())
    assert "名, 姓 と メールアドレス を変更しました。" in text
    assert problems(history.content.decode()) == []
