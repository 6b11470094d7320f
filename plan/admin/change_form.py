"""The admin's saves and deletions, handed to plan.changes.

A ModelAdmin with ``ChangeRequestAdminMixin`` never writes the official record itself: its form and
inline formsets are turned into ``ProposedChange`` records, and the change engine decides what happens
(a change request for bureau staff, a recorded direct change for coordinators).

Every change form carries the version of the official record(s) it was built from (the record and
its inline rows; a digest of each field's value, ``EDIT_VERSION``). A form saved after any of them
changed is refused as a conflict and shown again with the current values; a form that is still
current proposes only the fields the person changed from what they were shown.
"""

from __future__ import annotations

import copy
import hashlib
import json

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import prefetch_related_objects
from django.forms.models import _get_foreign_key
from django.http import HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.utils.html import format_html

from accounts import permissions
from plan.admin.change_form_queries import (
    official_record,
    open_requests_shown,
    own_open_request,
    rows_of,
)
from plan.changes import (
    ChangeConflict,
    ProposedChange,
    Ref,
    RequestScope,
    change_propose,
    decode,
    field_values,
    normalize_line_endings,
    snapshot,
    to_json,
)
from plan.models import ChangeItem, ChangeRequest

NEW = "new"
#: The hidden field of every change form that carries the version it was built from.
EDIT_VERSION = "_edit_version"
STALE_FORM = (
    "この画面を開いた後に、ほかの人の変更 (承認された申請や取りまとめ担当の編集) が反映されました。"
    "何も保存していません。下に表示した最新の内容を確かめて、もう一度編集してください。"
)


# --- The version a form was built from ----------------------------------------------------------


def _digest(value) -> str:
    encoded = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()[:12]


def _record_key(instance: models.Model) -> str:
    return f"{instance._meta.label_lower}:{instance.pk}"


def record_version(instance: models.Model) -> dict[str, str]:
    """A digest of each tracked field's official value (by attname)."""
    return {attname: _digest(value) for attname, value in snapshot(instance).items()}


def _parse_version(token: str) -> dict[str, dict[str, str]] | None:
    try:
        version = json.loads(token)
    except ValueError:
        return None
    if not isinstance(version, dict) or not all(isinstance(v, dict) for v in version.values()):
        return None
    return version


class ChangeReasonForm(forms.ModelForm):
    """Every admin form of the plan asks why (変更理由); required where a coordinator must approve."""

    change_reason = forms.CharField(
        label="変更理由",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        help_text="取りまとめ担当が審査で読みます (所管局担当者の変更は承認後に反映されます)。",
    )

    def clean(self):
        """Text is stored with LF line breaks only (browsers send CRLF from textareas)."""
        cleaned_data = super().clean()
        for name, value in cleaned_data.items():
            cleaned_data[name] = normalize_line_endings(value)
        return cleaned_data


def _official(instance: models.Model) -> models.Model:
    return type(instance)._base_manager.get(pk=instance.pk)


def _values(instance: models.Model) -> dict:
    return {
        attname: normalize_line_endings(value) for attname, value in field_values(instance).items()
    }


def _differences(edited: models.Model, official: models.Model, shown: dict | None) -> dict:
    """The fields whose edited value differs from the official record and, when the version the form
    was shown is known, from what it showed (a field the person left alone is never proposed)."""
    return {
        attname: value
        for attname, value in _values(edited).items()
        if getattr(official, attname) != value
        and (shown is None or attname not in shown or shown[attname] != _digest(to_json(value)))
    }


def changes_from_admin_form(
    form, formsets, *, add: bool, shown: dict[str, dict[str, str]] | None = None
) -> list[ProposedChange]:
    """What a valid admin form and its inline formsets would change, record by record.

    Values are compared with the official record (not with the form's initial values), so a form
    prefilled with an earlier proposal still proposes it. ``shown`` is the version the form was
    built from (see ``record_version``): a field whose value is still the one shown is not proposed.
    """
    shown = shown or {}
    main = form.instance
    changes: list[ProposedChange] = []
    if add:
        changes.append(ProposedChange.create(type(main), _values(main), key=NEW))
    else:
        official = _official(main)
        differences = _differences(main, official, shown.get(_record_key(main)))
        if differences:
            changes.append(ProposedChange.update(official, differences))
    for number, formset in enumerate(formsets):
        parent_attname = formset.fk.attname
        for index, inline_form in enumerate(formset.forms):
            instance = inline_form.instance
            if formset.can_delete and formset._should_delete_form(inline_form):
                if instance.pk is not None:
                    changes.append(ProposedChange.delete(_official(instance)))
                continue
            if instance.pk is None:
                if not inline_form.has_changed():
                    continue
                values = _values(instance)
                values[parent_attname] = Ref(NEW) if add else main.pk
                changes.append(
                    ProposedChange.create(type(instance), values, key=f"inline-{number}-{index}")
                )
            else:
                official = _official(instance)
                differences = _differences(instance, official, shown.get(_record_key(instance)))
                if differences:
                    changes.append(ProposedChange.update(official, differences))
    return changes


def _form_initial(model: type[models.Model], proposed: dict, parent_attname: str) -> dict:
    """A stored proposal as a form's initial values (by field name; a foreign key by its pk)."""
    if any(isinstance(value, dict) and "ref" in value for value in proposed.values()):
        return {}
    names = {f.attname: f.name for f in model._meta.concrete_fields}
    return {
        names[attname]: value
        for attname, value in decode(model, proposed, {}).items()
        if attname != parent_attname and attname in names
    }


def prefill_formset(formset, items: list[ChangeItem]) -> None:
    """Show an inline formset as the open request proposes it: rows it updates with the proposed
    values, rows it deletes marked for deletion, rows it adds in the empty extra forms."""
    label = formset.model._meta.label_lower
    parent_attname = formset.fk.attname
    mine = [item for item in items if item.model_label == label]
    by_pk = {item.object_pk: item for item in mine if item.object_pk is not None}
    _add_proposed_rows(formset, mine, parent_attname)
    for form in formset.forms:
        item = by_pk.get(form.instance.pk) if form.instance.pk is not None else None
        if item is None:
            continue
        if item.operation == ChangeItem.Operation.DELETE:
            form.initial["DELETE"] = True
        else:
            form.initial.update(_form_initial(formset.model, item.proposed, parent_attname))


def _add_proposed_rows(formset, mine: list[ChangeItem], parent_attname: str) -> None:
    added = [
        initial
        for item in mine
        if item.operation == ChangeItem.Operation.CREATE
        and (initial := _form_initial(formset.model, item.proposed, parent_attname))
    ]
    if added:
        # Rows the request adds are shown in extra forms (built again with them as initial).
        formset.extra = max(formset.extra, len(added))
        formset.initial_extra = added
        formset.__dict__.pop("forms", None)


def _shorten(value, limit: int = 200) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else f"{text[:limit]}…"


def _verbose_name(model_label: str) -> str:
    from django.apps import apps

    try:
        return str(apps.get_model(model_label)._meta.verbose_name)
    except LookupError:
        return model_label


class ChangeRequestAdminMixin:
    """Saves and deletions go through the change engine (see the module docstring)."""

    form = ChangeReasonForm
    change_form_template = "admin/plan/change_form_with_requests.html"

    # --- What the subclass says about its objects ---

    def change_request_context(self, obj) -> dict:
        """The edition, title, and project or KPI of a request about ``obj``."""
        return {"edition": getattr(obj, "edition", None), "title": str(obj)}

    # --- The form ---

    def _may_save(self, request, obj) -> bool:
        if obj is None:
            return self.has_add_permission(request)
        return self.has_change_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (name, {**options, "fields": [f for f in options["fields"] if f != "change_reason"]})
            for name, options in super().get_fieldsets(request, obj)
        ]
        if self._may_save(request, obj):
            fieldsets.append(("変更の申請", {"fields": ["change_reason"]}))
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if "change_reason" in form.base_fields:
            # The generated form class shares its declared field objects with ChangeReasonForm:
            # change a copy, never the shared one (it would leak into other users' forms).
            field = form.base_fields["change_reason"] = copy.deepcopy(
                form.base_fields["change_reason"]
            )
            field.required = permissions.requires_approval(request.user)
            own = self._own_open_request(request, obj)
            if own is not None:
                field.initial = own.reason  # amending: start from the reason already given
        return form

    def task(self, obj, records: list[models.Model]) -> tuple[set[int], set[int]]:
        """The project(s) and KPI(s) of the task ``obj`` belongs to (see plan.changes.scope);
        ``records`` are its record and inline rows (``edit_version_records``)."""
        return set(), set()

    def request_scope(self, obj, records: list[models.Model]) -> RequestScope:
        """What this form shows of ``obj`` (its record and inline rows: ``records``, as
        ``edit_version_records`` reads them) and its task."""
        parents = set()
        for inline in self.inlines:
            fk = _get_foreign_key(self.model, inline.model, fk_name=inline.fk_name)
            parents.add((inline.model._meta.label_lower, fk.attname, obj.pk))
        projects, kpis = self.task(obj, records)
        return RequestScope(
            records=frozenset((record._meta.label_lower, record.pk) for record in records),
            parents=frozenset(parents),
            projects=frozenset(projects),
            kpis=frozenset(kpis),
        )

    def _scope(self, request, obj) -> RequestScope:
        """``request_scope``, worked out once per request and record."""
        cache = request.__dict__.setdefault("_request_scopes", {})
        key = _record_key(obj)
        if key not in cache:
            cache[key] = self.request_scope(obj, self._shown_records(request, obj))
        return cache[key]

    def _shown_records(self, request, obj) -> list[models.Model]:
        """``edit_version_records``, read once per request for the scope and the version shown
        (the check of a saved form's version reads them again, as they are then)."""
        cache = request.__dict__.setdefault("_shown_records", {})
        key = _record_key(obj)
        if key not in cache:
            cache[key] = self.edit_version_records(obj)
        return cache[key]

    def get_object(self, request, object_id, from_field=None):
        """Staff amending their open request see what they proposed, not the official values."""
        obj = super().get_object(request, object_id, from_field)
        own = self._own_open_request(request, obj)
        if own is not None:
            item = next(
                (
                    item
                    for item in own.items.all()
                    if item.operation == ChangeItem.Operation.UPDATE
                    and item.model_label == obj._meta.label_lower
                    and item.object_pk == obj.pk
                ),
                None,
            )
            if item is not None:
                for attname, value in decode(type(obj), item.proposed, {}).items():
                    setattr(obj, attname, value)
        return obj

    def _own_open_request(self, request, obj) -> ChangeRequest | None:
        """The user's open request this form amends (one per task), looked up once per request."""
        if obj is None or obj.pk is None or not permissions.requires_approval(request.user):
            return None
        cache = request.__dict__.setdefault("_own_open_requests", {})
        key = _record_key(obj)
        if key not in cache:
            own = own_open_request(self._scope(request, obj), request.user)
            if own is not None:
                prefetch_related_objects([own], "items")
            cache[key] = own
        return cache[key]

    def _create_formsets(self, request, obj, change):
        """Inline rows start from the open request's proposals too (updated, added, deleted)."""
        formsets, inline_instances = super()._create_formsets(request, obj, change)
        own = self._own_open_request(request, obj) if change else None
        if own is not None and request.method != "POST":
            scope = self._scope(request, obj)
            items = [item for item in own.items.all() if scope.covers(item)]
            for formset in formsets:
                prefill_formset(formset, items)
        return formsets, inline_instances

    # --- The version the form shows, and refusing a form saved after the record changed ---

    def edit_version_records(self, obj) -> list[models.Model]:
        """The official record and every inline row of it (whoever looks: permissions aside)."""
        records = [official_record(type(obj), obj.pk)]
        for inline in self.inlines:
            fk = _get_foreign_key(self.model, inline.model, fk_name=inline.fk_name)
            records.extend(rows_of(inline.model, fk.name, obj.pk))
        return records

    def edit_version(self, records: list[models.Model]) -> dict[str, dict[str, str]]:
        """The version a form shows of ``records`` (``edit_version_records``)."""
        return {_record_key(record): record_version(record) for record in records}

    def _stale_form_messages(self, obj, shown: dict[str, dict[str, str]]) -> list[str]:
        """What changed since the form was built from ``shown``, with the current values."""
        found = []
        current = {_record_key(record): record for record in self.edit_version_records(obj)}
        for key, record in current.items():
            opts = record._meta
            if key not in shown:
                found.append(f"{opts.verbose_name}「{record}」が追加されました。")
                continue
            version = record_version(record)
            changed = [name for name, digest in version.items() if shown[key].get(name) != digest]
            if changed:
                fields = {f.attname: f for f in opts.concrete_fields}
                values = "、".join(
                    f"{fields[name].verbose_name}「{_shorten(getattr(record, fields[name].name))}」"
                    for name in changed
                )
                found.append(f"{opts.verbose_name}「{record}」が変更されました (現在: {values})。")
        for key in shown.keys() - current.keys():
            label, _sep, pk = key.rpartition(":")
            found.append(f"{_verbose_name(label)} (ID {pk}) が削除されました。")
        return found

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id is not None:
            shown_obj = self.get_object(request, unquote(object_id))
            if shown_obj is not None and self._may_save(request, shown_obj):
                shown = _parse_version(request.POST.get(EDIT_VERSION, ""))
                stale = (
                    ["この画面の版が分かりません (古い画面から保存されました)。"]
                    if shown is None
                    else self._stale_form_messages(shown_obj, shown)
                )
                if stale:
                    for message in stale:
                        messages.error(request, message)
                    messages.error(request, STALE_FORM)
                    return self._show_current(request, object_id, form_url, extra_context)
                request.edit_version_shown = shown
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _show_current(self, request, object_id, form_url, extra_context):
        """The change form as a GET would show it: the current values, the current version."""
        current = copy.copy(request)
        current.method = "GET"
        current.POST = QueryDict()
        response = super().changeform_view(current, object_id, form_url, extra_context)
        response.status_code = 409
        return response

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None and not add:
            posted = request.POST.get(EDIT_VERSION) if request.method == "POST" else None
            # A form shown again (invalid input) keeps the version it was first built from.
            context[EDIT_VERSION.lstrip("_")] = posted or json.dumps(
                self.edit_version(self._shown_records(request, obj)),
                sort_keys=True,
                separators=(",", ":"),
            )
        if obj is not None and obj.pk is not None:
            own = self._own_open_request(request, obj)
            scope = self._scope(request, obj)
            # The user's own request is shown in a banner of its own.
            context["open_change_requests"] = open_requests_shown(
                scope, request.user, own.pk if own is not None else None
            )
            context["own_change_request"] = own
            context["own_request_shown"] = own is not None and any(
                scope.covers(item) for item in own.items.all()
            )
            context["saves_need_approval"] = permissions.requires_approval(request.user)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- Saving: nothing is written here; the change engine decides ---

    def save_model(self, request, obj, form, change):
        """Deferred to save_related, where the inline formsets are known too."""

    def save_related(self, request, form, formsets, change):
        shown = getattr(request, "edit_version_shown", None)
        changes = changes_from_admin_form(form, formsets, add=not change, shown=shown)
        scope = self._scope(request, form.instance) if change else None
        self._hand_over(
            request, form.instance, changes, form.cleaned_data.get("change_reason", ""), scope
        )

    def delete_model(self, request, obj):
        self._hand_over(request, obj, [ProposedChange.delete(obj)], "管理画面での削除")

    def delete_queryset(self, request, queryset):
        objects = list(queryset)
        for obj in objects:
            if not self.has_delete_permission(request, obj):
                raise PermissionDenied
        if objects:
            self._hand_over(
                request,
                objects[0],
                [ProposedChange.delete(obj) for obj in objects],
                "管理画面での一括削除",
            )
            kind, detail = self._outcome(request)
            if kind == "conflict":
                for message in detail:
                    messages.error(request, message)

    def construct_change_message(self, request, form, formsets, add=False):
        """The formsets were not saved here (the service applied them): describe the main form."""
        return super().construct_change_message(request, form, [], add)

    def _hand_over(self, request, obj, changes, reason, scope: RequestScope | None = None) -> None:
        request.change_outcome = None
        if not changes:
            request.change_outcome = ("unchanged", None)
            return
        context = self.change_request_context(obj)
        for name in ("project", "kpi"):
            # A new project or KPI is not a target yet; a new record of a saved KPI (an actual)
            # belongs to that KPI's requests.
            if getattr(context.get(name), "pk", None) is None:
                context.pop(name, None)
        try:
            proposal = change_propose(
                acting_user=request.user, changes=changes, reason=reason, scope=scope, **context
            )
            if proposal.applied and obj.pk is None and NEW in proposal.created:
                obj.pk = proposal.created[NEW]
            outcome = "applied" if proposal.applied else "submitted"
            request.change_outcome = (outcome, proposal.change_request)
        except ChangeConflict as conflict:
            request.change_outcome = ("conflict", conflict.messages)
        except ValidationError as error:
            request.change_outcome = ("conflict", error.messages)

    def _outcome(self, request):
        return getattr(request, "change_outcome", None) or ("applied", None)

    def log_addition(self, request, obj, message):
        if self._outcome(request)[0] == "applied":
            return super().log_addition(request, obj, message)
        return None

    def log_change(self, request, obj, message):
        if self._outcome(request)[0] == "applied":
            return super().log_change(request, obj, message)
        return None

    def log_deletions(self, request, queryset):
        if self._outcome(request)[0] == "applied":
            return super().log_deletions(request, queryset)
        return None

    def _respond(self, request, default, retry_url):
        kind, detail = self._outcome(request)
        if kind == "submitted":
            url = reverse("admin:plan_changerequest_change", args=[detail.pk])
            done = "に変更を加えて審査待ちにしました" if detail.revision > 1 else "を提出しました"
            messages.success(
                request,
                format_html(
                    '変更申請 <a href="{}">#{}</a> {}。取りまとめ担当の承認後に公式の記録へ反映されます。',
                    url,
                    detail.pk,
                    done,
                ),
            )
            return HttpResponseRedirect(url)
        if kind == "unchanged":
            messages.info(request, "変更はありませんでした。")
            return HttpResponseRedirect(retry_url)
        if kind == "conflict":
            for message in detail:
                messages.error(request, message)
            messages.error(
                request, "何も反映していません。最新の内容を確かめて、もう一度保存してください。"
            )
            return HttpResponseRedirect(retry_url)
        return default()

    def response_add(self, request, obj, post_url_continue=None):
        return self._respond(
            request,
            lambda: super(ChangeRequestAdminMixin, self).response_add(
                request, obj, post_url_continue
            ),
            request.path,
        )

    def response_change(self, request, obj):
        return self._respond(
            request,
            lambda: super(ChangeRequestAdminMixin, self).response_change(request, obj),
            request.path,
        )

    def response_delete(self, request, obj_display, obj_id):
        return self._respond(
            request,
            lambda: super(ChangeRequestAdminMixin, self).response_delete(
                request, obj_display, obj_id
            ),
            reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"),
        )
