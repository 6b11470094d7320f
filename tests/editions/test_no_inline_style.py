"""The CSP allows style sheets from the site only (style-src 'self'): a ``<style>`` element or a
``style`` attribute in a page is refused by the browser, and the page shows without it. Before,
公表前チェック, 版の比較 and the print page had their styles inline and lost them."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.admin_forms import client_as

ROOT = Path(__file__).resolve().parents[2]
INLINE = re.compile(r"<style|\sstyle=", re.IGNORECASE)
#: Rendered for WeasyPrint and the static pages only (the print page passes its style sheet).
NOT_FOR_THE_BROWSER = {"templates/plan/edition/document.html"}


def test_the_csp_allows_no_inline_style():
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src"] == ["'self'"]


def test_no_template_of_the_site_has_inline_style():
    templates = [
        path
        for folder in ("templates", "accounts", "plan", "kpis", "evaluation")
        for path in (ROOT / folder).rglob("*.html")
        if "templates" in path.parts
    ]
    assert len(templates) > 20
    inline = [
        str(path.relative_to(ROOT))
        for path in templates
        if str(path.relative_to(ROOT)) not in NOT_FOR_THE_BROWSER
        and INLINE.search(path.read_text(encoding="utf-8"))
    ]
    assert inline == []


@pytest.mark.django_db
def test_the_pages_of_an_edition_link_their_style_sheets(world, edition_2024):
    client = client_as(world.coordinator)
    for url in (
        reverse("admin:plan_edition_review", args=[edition_2024.pk]),
        reverse("admin:plan_edition_compare"),
        reverse("admin:plan_edition_print", args=[edition_2024.pk]),
    ):
        html = client.get(url).content.decode()
        assert INLINE.search(html) is None, url
    printed = client.get(reverse("admin:plan_edition_print", args=[edition_2024.pk]))
    assert (
        '<link rel="stylesheet" href="/admin/plan/edition/print.css">' in printed.content.decode()
    )
    css = client.get(reverse("admin:plan_edition_print_css"))
    assert (css.status_code, css["Content-Type"]) == (200, "text/css; charset=utf-8")
    assert "@page" in css.content.decode()
