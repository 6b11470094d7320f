"""Admin for editions (「版」): their state, 「公表前チェック」 and publishing, 「次の版を作成」, 「版の比較」,
and the published collection (print HTML, PDF). The views translate; the services decide."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header

from accounts import permissions
from plan.admin.base import PlanContentAdmin
from plan.admin.workbook import workbook_response
from plan.editions.compare import edition_compare
from plan.editions.compare_workbook import comparison_workbook
from plan.editions.lifecycle import (
    PublishingBlocked,
    edition_create_next,
    edition_findings_acknowledge,
    edition_publish,
)
from plan.editions.render import document_html, edition_document, edition_pdf
from plan.editions.review import STATES, ReviewPage, edition_review_page, left_findings
from plan.models import Edition
from plan.params import whole_number


def _pk(value: str | None) -> int | None:
    """A primary key from a query parameter (anything else is ignored)."""
    return whole_number(value)


#: The most findings one acknowledgement may name (a form field per finding; a budget).
MAX_ACKNOWLEDGED = 2_000


def _review_links(request, review: ReviewPage) -> dict:
    """The 公表前チェック page's links: each kind, each state and each page (the other filters
    kept). Pages: (number, its URL) or (None, None) for an ellipsis."""
    base = {"kind": review.kind, "state": review.state}

    def url(**changed) -> str:
        query = {key: value for key, value in {**base, **changed}.items() if value}
        return "?" + urlencode(query) if query else request.path

    page = review.page
    numbers = page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    return {
        "all_kinds": url(kind="", p=""),
        "kinds": [(kind, url(kind=kind.code, p="")) for kind in review.kinds],
        "all_states": url(state="", p=""),
        "states": [(label, url(state=value, p="")) for value, label in STATES.items()],
        "pages": [(n, url(p=n)) if n != page.paginator.ELLIPSIS else (None, None) for n in numbers],
    }


@admin.register(Edition)
class EditionAdmin(PlanContentAdmin):
    list_display = ("__str__", "fiscal_year", "status", "published_at", "doors")
    list_select_related = ("plan",)
    list_filter = ("plan", "status")
    readonly_fields = ("status", "published_at", "published_by")
    actions = ("create_next_edition",)

    def change_request_context(self, obj) -> dict:
        return {"edition": obj if obj.pk else None, "title": f"版「{obj}」"}

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/review/", view(self.review_view), name="plan_edition_review"),
            path("<int:pk>/next/", view(self.next_view), name="plan_edition_next"),
            *self.extra_urls(),
            *super().get_urls(),
        ]

    def extra_urls(self) -> list:
        """Further pages of an edition (the comparison and the published collection)."""
        view = self.admin_site.admin_view
        return [
            path("compare/", view(self.compare_view), name="plan_edition_compare"),
            path("<int:pk>/print/", view(self.print_view), name="plan_edition_print"),
            path("print.css", view(self.print_css_view), name="plan_edition_print_css"),
            path("<int:pk>/pdf/", view(self.pdf_view), name="plan_edition_pdf"),
        ]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not permissions.may_manage_editions(request.user):
            actions.pop("create_next_edition", None)
        return actions

    @admin.display(description="操作")
    def doors(self, edition) -> str:
        review = reverse("admin:plan_edition_review", args=[edition.pk])
        compare = reverse("admin:plan_edition_compare")
        return format_html(
            '<a href="{}">公表前チェック・公表</a> | <a href="{}?new={}">前の版との比較</a>'
            ' | <a href="{}">印刷用ページ</a> | <a href="{}">PDF</a>',
            review,
            compare,
            edition.pk,
            reverse("admin:plan_edition_print", args=[edition.pk]),
            reverse("admin:plan_edition_pdf", args=[edition.pk]),
        )

    # --- The published collection ---

    def _document(self, request, pk):
        edition = get_object_or_404(Edition.objects.select_related("plan"), pk=pk)
        if not self.has_view_permission(request, edition):
            raise PermissionDenied
        return edition_document(edition)

    def print_view(self, request, pk):
        """The print page links its style sheet: the CSP (style-src 'self') refuses a <style> in
        the page, which the PDF and the static pages use instead."""
        stylesheet = reverse("admin:plan_edition_print_css")
        return HttpResponse(document_html(self._document(request, pk), stylesheet=stylesheet))

    def print_css_view(self, request):
        return HttpResponse(
            render_to_string("plan/edition/document.css"), content_type="text/css; charset=utf-8"
        )

    def pdf_view(self, request, pk):
        document = self._document(request, pk)
        response = HttpResponse(edition_pdf(document), content_type="application/pdf")
        name = f"個別プロジェクト集_{document.edition.fiscal_year}.pdf"
        response["Content-Disposition"] = content_disposition_header(False, name)
        return response

    # --- 「版の比較」 ---

    def compare_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        editions = list(Edition.objects.select_related("plan").order_by("-fiscal_year"))
        by_pk = {edition.pk: edition for edition in editions}
        new = by_pk.get(_pk(request.GET.get("new"))) or (editions[0] if editions else None)
        old = by_pk.get(_pk(request.GET.get("old"))) or (new.previous() if new else None)
        comparison = edition_compare(old, new) if old and new and old != new else None
        if comparison is not None and request.GET.get("format") == "xlsx":
            data = comparison_workbook(comparison)
            name = f"版の比較_{old.fiscal_year}_{new.fiscal_year}.xlsx"
            return workbook_response(data, name)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "版の比較",
            "editions": editions,
            "old": old,
            "new": new,
            "comparison": comparison,
        }
        return TemplateResponse(request, "admin/plan/edition/compare.html", context)

    # --- 「次の版を作成」 ---

    @admin.action(description="次の版を作成")
    def create_next_edition(self, request, queryset):
        for edition in queryset.order_by("fiscal_year"):
            self._create_next(request, edition)

    def next_view(self, request, pk):
        if request.method != "POST":
            raise PermissionDenied
        edition = get_object_or_404(Edition, pk=pk)
        created = self._create_next(request, edition)
        target = created or edition
        return HttpResponseRedirect(reverse("admin:plan_edition_review", args=[target.pk]))

    def _create_next(self, request, edition) -> Edition | None:
        try:
            created = edition_create_next(edition=edition, acting_user=request.user)
        except (PermissionDenied, ValidationError) as refused:
            for message in getattr(refused, "messages", None) or [str(refused)]:
                messages.error(request, message)
            return None
        messages.success(
            request, f"{edition.title}を写して{created.title} (編集中) を作成しました。"
        )
        return created

    # --- 公表前チェック and publishing ---

    def review_view(self, request, pk):
        edition = get_object_or_404(Edition.objects.select_related("plan", "published_by"), pk=pk)
        if not self.has_view_permission(request, edition):
            raise PermissionDenied
        if request.method == "POST":
            return self._review_post(request, edition)
        review = edition_review_page(
            edition,
            kind=request.GET.get("kind", ""),
            state=request.GET.get("state", ""),
            page=request.GET.get("p", 1),
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"公表前チェック: {edition.title}",
            "edition": edition,
            "review": review,
            "rows": review.rows,
            "left": review.left,
            "states": STATES,
            "links": _review_links(request, review),
            "may_manage": permissions.may_manage_editions(request.user),
            "frozen": permissions.edition_frozen_refusal(edition),
        }
        return TemplateResponse(request, "admin/plan/edition/review.html", context)

    def _review_post(self, request, edition):
        if not permissions.may_manage_editions(request.user):
            raise PermissionDenied
        here = reverse("admin:plan_edition_review", args=[edition.pk])
        if request.GET:
            here = f"{here}?{request.GET.urlencode()}"  # back to the page and filters shown
        try:
            if "publish" in request.POST:
                edition_publish(edition=edition, acting_user=request.user)
                messages.success(request, f"{edition.title}を公表しました。内容は凍結されました。")
            else:
                chosen = set(request.POST.getlist("finding")[:MAX_ACKNOWLEDGED])
                # 「すべて選ぶ」: every finding left (on every page), or every one of the kind shown.
                every = request.POST.get("all") == "on"
                kind = request.POST.get("kind", "")
                findings = [
                    f
                    for f in left_findings(edition)
                    if f.token in chosen or (every and (not kind or f.code == kind))
                ]
                if not findings:
                    raise ValidationError("確認済みにする指摘を選んでください。")
                edition_findings_acknowledge(
                    edition=edition,
                    acting_user=request.user,
                    findings=findings,
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, f"{len(findings)} 件の指摘を確認済みにしました。")
        except PublishingBlocked as blocked:
            messages.error(request, blocked.messages[0])
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        return HttpResponseRedirect(here)
