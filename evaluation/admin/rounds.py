"""Rounds (「評価の照会」) in the admin: the list, opening one, its 「提出状況」 with 「督促」, closing it,
and its report (page and xlsx). Coordinators only, except the list (everyone sees the rounds)."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts import permissions
from accounts.admin_base import PolicyModelAdmin
from evaluation import report, services
from evaluation.models import EvaluationRound
from evaluation.pages import deadline_label, round_progress
from evaluation.states import SheetState
from plan.eras import fiscal_year_of
from plan.models import Edition
from plan.params import whole_number


class RoundOpenForm(forms.Form):
    edition = forms.ModelChoiceField(Edition.objects.all(), label="版")
    fiscal_year = forms.IntegerField(
        label="実績年度", min_value=1989, max_value=2200, help_text="西暦 (例: 2024 = 令和6年度)。"
    )
    deadline = forms.DateField(label="提出期限", help_text="例: 2025-06-30")


@admin.register(EvaluationRound)
class EvaluationRoundAdmin(PolicyModelAdmin):
    list_display = ("title_column", "edition", "deadline", "status", "tools")
    list_select_related = ("edition__plan",)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_list_display(self, request):
        """The tools (提出状況・報告) are the coordinators'."""
        if permissions.may_manage_rounds(request.user):
            return self.list_display
        return tuple(name for name in self.list_display if name != "tools")

    @admin.display(description="照会", ordering="fiscal_year")
    def title_column(self, evaluation_round) -> str:
        return evaluation_round.title

    @admin.display(description="")
    def tools(self, evaluation_round) -> str:
        sheets = reverse("admin:evaluation_evaluationsheet_changelist")
        progress = reverse("admin:evaluation_evaluationround_progress", args=[evaluation_round.pk])
        return format_html(
            '<a href="{}?round__id__exact={}">評価票</a> / <a href="{}">提出状況・報告</a>',
            sheets,
            evaluation_round.pk,
            progress,
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/progress/",
                view(self.progress_view),
                name="evaluation_evaluationround_progress",
            ),
            path(
                "<int:pk>/remind/", view(self.remind_view), name="evaluation_evaluationround_remind"
            ),
            path("<int:pk>/close/", view(self.close_view), name="evaluation_evaluationround_close"),
            path(
                "<int:pk>/report/", view(self.report_view), name="evaluation_evaluationround_report"
            ),
            path(
                "<int:pk>/report.xlsx",
                view(self.report_xlsx_view),
                name="evaluation_evaluationround_xlsx",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        pk = whole_number(object_id)
        if pk is None:
            raise PermissionDenied
        return HttpResponseRedirect(reverse("admin:evaluation_evaluationround_progress", args=[pk]))

    def add_view(self, request, form_url="", extra_context=None):
        """「照会の開始」: a form handed to ``round_open``."""
        if not permissions.may_manage_rounds(request.user):
            raise PermissionDenied
        today = timezone.localdate()
        initial = {
            "edition": Edition.objects.order_by("-fiscal_year").first(),
            "fiscal_year": fiscal_year_of(today) - 1,
            "deadline": datetime.date(today.year, 6, 30),
        }
        form = RoundOpenForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                evaluation_round = services.round_open(
                    acting_user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    f"「{evaluation_round.title}」の照会を開始しました "
                    f"(評価票 {evaluation_round.sheets.count()}件)。",
                )
                return HttpResponseRedirect(
                    reverse("admin:evaluation_evaluationround_progress", args=[evaluation_round.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "評価の照会を開始する",
            "form": form,
        }
        return TemplateResponse(request, "admin/evaluation/round_open.html", context)

    def _round(self, request, pk) -> EvaluationRound:
        if not permissions.may_manage_rounds(request.user):
            raise PermissionDenied
        return get_object_or_404(EvaluationRound.objects.select_related("edition__plan"), pk=pk)

    def progress_view(self, request, pk):
        """「提出状況」. Queries: 8 for the whole page, whatever the number of projects (pinned by
        tests/evaluation/test_report.py at 5 and 60 projects)."""
        evaluation_round = self._round(request, pk)
        rows, totals = round_progress(evaluation_round)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{evaluation_round.title}の提出状況",
            "round": evaluation_round,
            "deadline": deadline_label(evaluation_round.deadline),
            "states": SheetState.choices,
            "rows": rows,
            "totals": totals,
            "late": timezone.localdate() > evaluation_round.deadline,
        }
        return TemplateResponse(request, "admin/evaluation/progress.html", context)

    def remind_view(self, request, pk):
        if request.method != "POST":
            raise PermissionDenied
        evaluation_round = self._round(request, pk)
        mailed = services.round_remind(acting_user=request.user, evaluation_round=evaluation_round)
        if mailed:
            names = "、".join(bureau.name for bureau in mailed)
            messages.success(request, f"督促のメールを送りました: {names}")
        else:
            messages.info(request, "督促のメールを送る相手はいませんでした。")
        return HttpResponseRedirect(reverse("admin:evaluation_evaluationround_progress", args=[pk]))

    def close_view(self, request, pk):
        if request.method != "POST":
            raise PermissionDenied
        evaluation_round = self._round(request, pk)
        try:
            services.round_close(acting_user=request.user, evaluation_round=evaluation_round)
            messages.success(request, f"「{evaluation_round.title}」を締め切りました。")
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        return HttpResponseRedirect(reverse("admin:evaluation_evaluationround_progress", args=[pk]))

    def report_view(self, request, pk):
        """The report, print-friendly. Queries: 19 for the whole page, 14 while the 「達成状況」
        judgement of the edition and year is kept, whatever the number of projects (pinned by
        tests/evaluation/test_report.py at 5 and 60 projects)."""
        evaluation_round = self._round(request, pk)
        context = {"round": evaluation_round, "report": report.build_report(evaluation_round)}
        return TemplateResponse(request, "admin/evaluation/report.html", context)

    def report_xlsx_view(self, request, pk):
        evaluation_round = self._round(request, pk)
        content = report.report_workbook(report.build_report(evaluation_round))
        response = HttpResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        filename = f"evaluation-report-{evaluation_round.fiscal_year}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
