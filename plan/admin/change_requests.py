"""Admin for change requests (変更申請): the coordinators' queue and review page, the staff's view
of their own requests, and the coordinators' audit log.

Decisions and withdrawals are POSTs to small views that hand off to the change engine (plan.changes);
the policy (accounts/permissions.py) says who may see and who may decide."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.views.main import IGNORED_PARAMS
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Count, F
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from accounts import permissions
from accounts.admin_base import PolicyModelAdmin
from accounts.models import Bureau
from plan import changes
from plan.admin.audit import (
    MAX_EXPORT_ROWS,
    AuditFilterForm,
    audit_csv,
    audit_filters,
    audit_kept,
)
from plan.admin.base import SubqueryFilterChangeList, SubqueryRelatedFieldListFilter
from plan.admin.display import person_name, short_time, status_badge, unbroken
from plan.admin.history import HISTORY_MODELS, LatestHistory, attributed_rows, history_rows
from plan.changes.diff import describe_items
from plan.models import ChangeRequest
from plan.params import whole_number
from plan.search import limit_search_query


class AgeListFilter(admin.SimpleListFilter):
    title = "申請からの日数"
    parameter_name = "age"
    AGES = {"1": ("1日以内", 0, 1), "3": ("3日以上", 3, None), "7": ("7日以上", 7, None)}

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _low, _high) in self.AGES.items()]

    def queryset(self, request, queryset):
        if self.value() not in self.AGES:
            return queryset
        _label, low, high = self.AGES[self.value()]
        now = timezone.now()
        queryset = queryset.filter(submitted_at__lte=now - datetime.timedelta(days=low))
        if high is not None:
            queryset = queryset.filter(submitted_at__gte=now - datetime.timedelta(days=high))
        return queryset


class SubmitterListFilter(admin.RelatedFieldListFilter):
    """申請者: the submitters of the requests the user may see (the policy decides), not every user."""

    def field_choices(self, field, request, model_admin):
        visible = ChangeRequest.objects.filter(permissions.change_requests_visible_to(request.user))
        return field.get_choices(
            include_blank=False,
            ordering=self.field_admin_ordering(field, request, model_admin),
            limit_choices_to={"pk__in": visible.values("submitted_by")},
        )


@dataclass(frozen=True)
class Outcome:
    approved: bool
    message: str


#: Rows of the audit log a page.
AUDIT_PAGE_SIZE = 100

# The most requests one confirmation page lists and one 「承認して反映」 decides.
MAX_APPROVE_AT_ONCE = 100
APPROVE_TOO_MANY = (
    f"一度に承認できるのは {MAX_APPROVE_AT_ONCE} 件までです。"
    "選ぶ申請を減らして、もう一度操作してください。"
)


def approve_one(user, change_request: ChangeRequest, revision: int | None) -> Outcome:
    """Approve one request of a selection, saying what became of it (never raising).

    ``revision`` is the version the confirmation page listed; None when the request was not on it
    (a forged or an outdated form): then nothing is decided."""
    label = f"変更申請 #{change_request.pk}「{change_request.title}」"
    if revision is None:
        return Outcome(False, f"{label}: 確認画面に表示していないため承認していません")
    try:
        changes.change_request_approve(
            acting_user=user, change_request=change_request, revision=revision
        )
    except PermissionDenied as refused:
        return Outcome(False, f"{label}: 承認していません ({refused})")
    except changes.RequestRevised as revised:
        return Outcome(
            False,
            f"{label}: 確認の後に修正されたため承認していません ({' '.join(revised.messages)})",
        )
    except changes.ChangeConflict as conflict:
        return Outcome(
            False, f"{label}: 競合のため承認していません ({' '.join(conflict.messages)})"
        )
    except ValidationError as error:
        return Outcome(False, f"{label}: 承認していません ({' '.join(error.messages)})")
    return Outcome(True, f"{label}: 承認し、公式の記録に反映しました。")


def next_in_queue(user, change_request: ChangeRequest) -> ChangeRequest | None:
    """The next request waiting for review after this one (the queue is newest first), or the
    newest when this was the last; None when nothing else waits. One query."""
    waiting = list(
        ChangeRequest.objects.filter(status=ChangeRequest.Status.PENDING)
        .filter(permissions.change_requests_visible_to(user))
        .exclude(pk=change_request.pk)
        .order_by("-submitted_at", "-pk")
        .only("pk", "submitted_at", "title")
    )
    older = [
        other
        for other in waiting
        if (other.submitted_at, other.pk) < (change_request.submitted_at, change_request.pk)
    ]
    return (older or waiting or [None])[0]


def _amend_url(change_request: ChangeRequest) -> str | None:
    """Where the submitter amends the request: its project's form, or its KPI's."""
    if change_request.project_id is not None:
        return reverse("admin:plan_project_change", args=[change_request.project_id])
    if change_request.kpi_id is not None:
        return reverse("admin:kpis_kpi_change", args=[change_request.kpi_id])
    return None


BUREAU_NAMES = "_list_bureau_names"
#: The cells of the people a row shows (``person_cell``), set by ``QueueChangeList``.
SUBMITTER_CELL, DECIDER_CELL = "_list_submitter_cell", "_list_decider_cell"
#: What the queue's rows read of a request (the rest, its texts, only the review page shows).
QUEUE_COLUMNS = ("title", "status", "submitted_by", "submitted_at", "decided_by")


def person_cell(user) -> str:
    """A person's cell in the queue: their name, breaking only between family and given name."""
    return unbroken(person_name(user).split())


#: The fields of a person that ``person_name`` reads, read with the queue's page.
PERSON_FIELDS = ("username", "first_name", "last_name")
PEOPLE = {
    SUBMITTER_CELL: {
        f"_list_submitter_{name}": F(f"submitted_by__{name}") for name in PERSON_FIELDS
    },
    DECIDER_CELL: {f"_list_decider_{name}": F(f"decided_by__{name}") for name in PERSON_FIELDS},
}


class QueueChangeList(SubqueryFilterChangeList):
    """The queue: each page's requests read narrow (the columns the rows show, and of their
    submitters and deciders only the names' fields, not whole users), then the page's bureaus'
    names as values in one query (in the bureaus' order, as the prefetch of ``bureaus`` gave
    them), not as related managers and models per row. The full count (「N 件中」) is the page's
    count when the list is neither filtered nor searched (one ``COUNT`` instead of two); the admin
    leaves it to this changelist (``show_full_result_count = False``). Queries for the rows: the
    count (and the full count when filtered or searched), the page, the page's bureaus (pinned in
    tests/admin/test_page_query_counts.py)."""

    def get_queryset(self, request, exclude_parameters=None):
        return super().get_queryset(request, exclude_parameters).prefetch_related(None)

    def get_results(self, request):
        # Only the page's rows are read narrow: an action gets ``get_queryset``'s whole records.
        listed = self.queryset
        self.queryset = (
            listed.select_related(None)
            .only(*QUEUE_COLUMNS)
            .annotate(**PEOPLE[SUBMITTER_CELL], **PEOPLE[DECIDER_CELL])
        )
        try:
            super().get_results(request)
        finally:
            self.queryset = listed
        filtered = self.query or any(name not in IGNORED_PARAMS for name in self.filter_params)
        self.full_result_count = self.root_queryset.count() if filtered else self.result_count
        self.show_full_result_count = True
        self.show_admin_actions = bool(self.full_result_count)
        requests = list(self.result_list)
        names: dict[int, list[str]] = {}
        links = (
            ChangeRequest.bureaus.through.objects.filter(
                changerequest__in=[change_request.pk for change_request in requests]
            )
            .order_by(*(f"bureau__{name}" for name in Bureau._meta.ordering))
            .values_list("changerequest", "bureau__name")
        )
        for request_id, name in links:
            names.setdefault(request_id, []).append(name)
        people: dict[tuple, str] = {}
        User = get_user_model()
        for change_request in requests:
            setattr(change_request, BUREAU_NAMES, names.get(change_request.pk, []))
            for attribute, fields in PEOPLE.items():
                person = tuple(getattr(change_request, name) for name in fields)
                if person not in people:
                    username, first, last = person
                    people[person] = person_cell(
                        None
                        if username is None
                        else User(username=username, first_name=first, last_name=last)
                    )
                setattr(change_request, attribute, people[person])


@admin.register(ChangeRequest)
class ChangeRequestAdmin(PolicyModelAdmin):
    list_display = (
        "number",
        "title",
        "status_badge",
        "bureau_names",
        "submitter",
        "submitted_on",
        "age",
        "decider",
    )
    list_display_links = ("number", "title")
    list_filter = (
        "status",
        ("bureaus", SubqueryRelatedFieldListFilter),
        ("submitted_by", SubmitterListFilter),
        AgeListFilter,
        "source",
    )
    list_select_related = ("submitted_by", "decided_by")
    show_full_result_count = False  # counted by QueueChangeList, once when unfiltered
    search_fields = ("title", "reason")
    change_form_template = "admin/plan/changerequest/review.html"
    actions = ("approve_selected",)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not permissions.may_apply_directly(request.user):
            actions.pop("approve_selected", None)
        return actions

    @admin.action(description="選択した変更申請を承認して反映")
    def approve_selected(self, request, queryset):
        """First a confirmation page listing the selected requests with the revision of each (as
        Django's own 「削除」 action does); its 「承認して反映」 approves each listed request on its
        own (oldest first) through the same service as the review page, with the revision the page
        showed: each is checked (self-approval, state, conflicts, amended since) and recorded
        separately, and the person is told what became of each. At most ``MAX_APPROVE_AT_ONCE``.
        The page: 3 queries (the requests with their submitters, their bureaus, their items)."""
        selected = queryset.order_by("submitted_at", "pk")
        if selected[: MAX_APPROVE_AT_ONCE + 1].count() > MAX_APPROVE_AT_ONCE:
            self.message_user(request, APPROVE_TOO_MANY, messages.ERROR)
            return None
        if request.POST.get("post") != "yes":
            return self.approve_confirmation(request, selected)
        for change_request in selected:
            shown = whole_number(request.POST.get(f"revision_{change_request.pk}"))
            outcome = approve_one(request.user, change_request, shown)
            level = messages.SUCCESS if outcome.approved else messages.ERROR
            self.message_user(request, outcome.message, level)
        return None

    def approve_confirmation(self, request, selected) -> TemplateResponse:
        requests = list(
            selected.select_related("submitted_by")
            .prefetch_related("bureaus")
            .annotate(item_count=Count("items"))
        )
        context = {
            **self.admin_site.each_context(request),
            "title": "選択した変更申請を承認して反映しますか？",
            "opts": self.opts,
            "change_requests": requests,
            "pending": [item for item in requests if item.status == ChangeRequest.Status.PENDING],
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/plan/changerequest/approve_selected_confirmation.html", context
        )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(permissions.change_requests_visible_to(request.user))
            .prefetch_related("bureaus")
        )

    def get_changelist(self, request, **kwargs):
        return QueueChangeList

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, limit_search_query(search_term))

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="番号")
    def number(self, change_request) -> str:
        return f"#{change_request.pk}"

    @admin.display(description="関係する所管局")
    def bureau_names(self, change_request) -> str:
        names = getattr(change_request, BUREAU_NAMES, None)
        if names is None:
            names = [bureau.name for bureau in change_request.bureaus.all()]
        return unbroken(names)

    @admin.display(description="状態", ordering="status")
    def status_badge(self, change_request) -> str:
        return status_badge(change_request)

    @admin.display(description="申請者", ordering="submitted_by__last_name")
    def submitter(self, change_request) -> str:
        cell = getattr(change_request, SUBMITTER_CELL, None)
        return person_cell(change_request.submitted_by) if cell is None else cell

    @admin.display(description="申請日時", ordering="submitted_at")
    def submitted_on(self, change_request) -> str:
        return short_time(change_request.submitted_at)

    @admin.display(description="決定者", ordering="decided_by__last_name")
    def decider(self, change_request) -> str:
        if change_request.decided_by_id is None:
            return ""
        cell = getattr(change_request, DECIDER_CELL, None)
        return person_cell(change_request.decided_by) if cell is None else cell

    @admin.display(description="経過日数")
    def age(self, change_request) -> str:
        if not change_request.is_open:
            return ""
        return f"{(timezone.now() - change_request.submitted_at).days}日"

    def get_urls(self):
        return [
            path(
                "audit/",
                self.admin_site.admin_view(self.audit_view),
                name="plan_changerequest_audit",
            ),
            path(
                "<int:pk>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="plan_changerequest_decide",
            ),
            path(
                "<int:pk>/withdraw/",
                self.admin_site.admin_view(self.withdraw_view),
                name="plan_changerequest_withdraw",
            ),
            *super().get_urls(),
        ]

    # --- The review page ---

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        change_request = get_object_or_404(self.get_queryset(request), pk=object_id)
        items = describe_items(change_request.items.select_related("change_request"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": str(change_request),
            "change_request": change_request,
            "items": items,
            "has_conflict": any(item.conflict for item in items),
            "may_decide": permissions.may_decide(request.user, change_request),
            "may_withdraw": permissions.may_withdraw(request.user, change_request),
            "own_request": change_request.submitted_by_id == request.user.pk,
            "events": list(change_request.events.select_related("actor")),
            "amend_url": _amend_url(change_request),
            "next_request": (
                next_in_queue(request.user, change_request)
                if permissions.may_apply_directly(request.user)
                else None
            ),
        }
        return TemplateResponse(request, self.change_form_template, context)

    def decide_view(self, request, pk):
        if request.method != "POST":
            raise PermissionDenied
        change_request = get_object_or_404(self.get_queryset(request), pk=pk)
        decision = next(
            (name for name in ("approve", "return", "reject") if name in request.POST), None
        )
        decision = request.POST.get("decision") or decision
        comment = request.POST.get("comment", "")
        # The revision the review page showed: a request amended since is not decided unseen.
        revision = request.POST.get("revision")
        revision = whole_number(revision)
        try:
            if decision == "approve":
                changes.change_request_approve(
                    acting_user=request.user, change_request=change_request, revision=revision
                )
                messages.success(request, f"変更申請 #{pk} を承認し、公式の記録に反映しました。")
            elif decision == "return":
                changes.change_request_return(
                    acting_user=request.user,
                    change_request=change_request,
                    comment=comment,
                    revision=revision,
                )
                messages.success(request, f"変更申請 #{pk} を差し戻しました。")
            elif decision == "reject":
                changes.change_request_reject(
                    acting_user=request.user,
                    change_request=change_request,
                    reason=comment,
                    revision=revision,
                )
                messages.success(request, f"変更申請 #{pk} を却下しました。")
            else:
                raise PermissionDenied
        except (changes.RequestRevised, changes.EditionFrozen) as refused:
            for message in refused.messages:
                messages.error(request, message)
        except changes.ChangeConflict as conflict:
            for message in conflict.messages:
                messages.error(request, message)
            messages.error(
                request,
                "申請の後に公式の記録が変わったため、何も反映していません。差し戻して申請し直してもらってください。",
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        return HttpResponseRedirect(reverse("admin:plan_changerequest_change", args=[pk]))

    def withdraw_view(self, request, pk):
        if request.method != "POST":
            raise PermissionDenied
        change_request = get_object_or_404(self.get_queryset(request), pk=pk)
        changes.change_request_withdraw(acting_user=request.user, change_request=change_request)
        messages.success(request, f"変更申請 #{pk} を取り下げました。")
        return HttpResponseRedirect(reverse("admin:plan_changerequest_change", args=[pk]))

    # --- The audit log (coordinators) ---

    def audit_view(self, request):
        """The newest changes to the plan, 100 a page (``LatestHistory``). Queries: at most five per
        history model, whatever the number of historical rows; on an unchanged database the
        count, the page's keys and its rows are kept (``audit_kept``) and only the stamp, the
        bureaus, the people and the filters' choices are read (pinned in
        tests/admin/test_page_query_counts.py)."""
        if not permissions.may_apply_directly(request.user):
            raise PermissionDenied
        form = AuditFilterForm(request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        kept = audit_kept(data)
        records = LatestHistory(HISTORY_MODELS, audit_filters(HISTORY_MODELS, data), kept=kept)
        if "export" in request.GET and form.is_valid():
            return audit_csv(history_rows(records[:MAX_EXPORT_ROWS]))
        paginator = Paginator(records, AUDIT_PAGE_SIZE)
        try:
            number = paginator.validate_number(request.GET.get("page"))
        except PageNotAnInteger:
            number = 1
        except EmptyPage:
            number = paginator.num_pages
        start = (number - 1) * AUDIT_PAGE_SIZE
        stop = min(start + AUDIT_PAGE_SIZE, paginator.count)
        # The page's rows kept as its keys are (audit_kept); the people read now.
        rows = attributed_rows(
            kept(f"rows:{start}:{stop}", lambda: history_rows(records[start:stop]))
        )
        page = Page(rows, number, paginator)
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "監査ログ (公式の記録への変更すべて)",
            "page": page,
            "rows": rows,
            "audit_form": form,
            "audit_query": query.urlencode(),
            "audit_count": page.paginator.count,  # counted once (a bounded count per model)
            "max_export_rows": MAX_EXPORT_ROWS,
        }
        return TemplateResponse(request, "admin/plan/history.html", context)
