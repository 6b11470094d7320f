"""The published collection regenerated: the 2024 edition's PDF holds every project name, summary,
KPI, baseline and target in the order of the document (compared NFKC and whitespace-free), with
its Japanese fonts embedded; the print page and the static export are plain, lang="ja" pages with
real table headers."""

from __future__ import annotations

import io
import re
import unicodedata

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from plan.editions.render import document_html, edition_document, edition_pdf
from tests.admin_forms import client_as
from tests.editions.small import build_small_edition, mark_published

pytestmark = pytest.mark.django_db

_SPACE = re.compile(r"\s+")


def normalized(text: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def expected_texts(document) -> list[str]:
    """Every text of the edition, in the order the document prints it."""
    texts = []
    for row in document.rows:
        texts += [row.name, row.summary]
        texts += [kpi.indicator for kpi in row.kpis]
        texts += [kpi.baseline for kpi in row.kpis]
        texts += [kpi.target for kpi in row.kpis]
    return [text for text in texts if text]


def find_in_order(haystack: str, needles: list[str]) -> tuple[list[str], list[str]]:
    """(missing, out of order): each needle searched from where the previous one was found."""
    missing, out_of_order, position = [], [], 0
    for needle in map(normalized, needles):
        found = haystack.find(needle, position)
        if found >= 0:
            position = found + len(needle)
        elif needle in haystack:
            out_of_order.append(needle)
        else:
            missing.append(needle)
    return missing, out_of_order


def test_the_2024_pdf_holds_every_text_in_order(edition_2024, django_assert_max_num_queries):
    from pypdf import PdfReader

    with django_assert_max_num_queries(8):
        document = edition_document(edition_2024)
    reader = PdfReader(io.BytesIO(edition_pdf(document)))
    text = normalized("".join(page.extract_text() for page in reader.pages))
    needles = expected_texts(document)
    assert len(needles) == 461
    assert find_in_order(text, needles) == ([], [])
    # A4 landscape, Japanese fonts embedded, the table header on every page of projects.
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)
    fonts = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            if any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                fonts.add(str(font.get_object()["/BaseFont"]).split("+", 1)[1])
    assert "Noto-Sans-CJK-JP" in fonts
    pages_with_projects = [p for p in reader.pages[2:]]
    assert all("事業/取組名" in p.extract_text() for p in pages_with_projects)


def test_the_check_finds_a_missing_text_and_one_out_of_order():
    assert find_in_order("あいうえお", ["あい", "お", "う", "か"]) == (["か"], ["う"])


def test_the_print_page_is_plain_japanese_html_with_table_headers():
    small = build_small_edition()
    html = (
        client_as(small.viewer)
        .get(reverse("admin:plan_edition_print", args=[small.edition.pk]))
        .content.decode()
    )
    assert '<html lang="ja">' in html
    assert '<th scope="col" rowspan="2">事業/取組名</th>' in html
    assert "太陽光発電の導入" in html and "1,000MW (R12年度)" in html


def test_the_pdf_door_of_the_admin(small_published):
    response = client_as(small_published.viewer).get(
        reverse("admin:plan_edition_pdf", args=[small_published.edition.pk])
    )
    assert response["Content-Type"] == "application/pdf"
    assert response.content[:5] == b"%PDF-"


@pytest.fixture
def small_published():
    small = build_small_edition()
    mark_published(small.edition)
    return small


def test_publish_edition_exports_plain_pages(small_published, tmp_path):
    call_command("publish_edition", "2024", "-o", str(tmp_path / "site"))
    names = sorted(path.name for path in (tmp_path / "site").iterdir())
    assert names == ["goal-0.html", "index.html", "style.css"]
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ja">' in index and 'href="goal-0.html"' in index
    page = (tmp_path / "site" / "goal-0.html").read_text(encoding="utf-8")
    assert '<th scope="col">目標値</th>' in page and "省エネ診断" in page


def test_publish_edition_refuses_an_edition_being_edited(tmp_path):
    build_small_edition()
    with pytest.raises(CommandError, match="令和6年\\(2024年\\)版はまだ公表されていません。"):
        call_command("publish_edition", "2024", "-o", str(tmp_path))
    with pytest.raises(CommandError, match="2031年度の版がありません。"):
        call_command("publish_edition", "2031", "-o", str(tmp_path))


def test_the_document_marks_new_projects():
    small = build_small_edition()
    type(small.project).objects.filter(pk=small.project.pk).update(is_new=True)
    html = document_html(edition_document(small.edition))
    assert '<span class="new">&lt;新&gt;</span>太陽光発電の導入' in html
