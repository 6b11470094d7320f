"""Admin base classes that hand every permission question to the policy, with the object.

Django's ``ModelAdmin.has_change_permission(request, obj)`` asks ``user.has_perm(perm)`` without the
object; these pass the object on, so that accounts/permissions.py can decide per bureau. Inlines
ask about their parent: a staff member may edit a project's KPI links only where they may change
the project itself.
"""

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from accounts.admin_widgets import (
    SharedLabelsAutocompleteSelect,
    share_autocomplete_labels,
    with_cached_urls,
)
from accounts.permissions import is_frozen, lists_own_bureaus_first, user_bureau_ids

CHECKBOX_NAME = escape(helpers.ACTION_CHECKBOX_NAME)


def list_title(opts) -> str:
    return f"{opts.verbose_name_plural}の一覧"


def permission_name(opts, action: str) -> str:
    return f"{opts.app_label}.{get_permission_codename(action, opts)}"


def has_object_perm(request, perm: str, obj=None) -> bool:
    """``request.user.has_perm(perm, obj)``, remembered for the request: a change form asks the
    same question of the same record many times (each inline, each of view/add/change/delete),
    and the policy may read the record's bureaus each time."""
    if obj is None or obj.pk is None:
        return request.user.has_perm(perm, obj)
    answers = request.__dict__.setdefault("_policy_answers", {})
    key = (perm, obj._meta.label_lower, obj.pk)
    if key not in answers:
        answers[key] = request.user.has_perm(perm, obj)
    return answers[key]


class PolicyChangeList(ChangeList):
    """Django's changelist, with each row's link built once per page rather than once per linked
    column (a ``reverse`` each), and without ``reverse`` for whole-number keys."""

    PLACEHOLDER = "0"

    @cached_property
    def _change_url_parts(self) -> tuple[str, str]:
        url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
            args=(self.PLACEHOLDER,),
            current_app=self.model_admin.admin_site.name,
        )
        head, placeholder, tail = url.rpartition(f"/{self.PLACEHOLDER}/")
        return (f"{head}/", f"/{tail}") if placeholder else ("", "")

    def url_for_result(self, result) -> str:
        pk = getattr(result, self.pk_attname)
        head, tail = self._change_url_parts
        if type(pk) is int and head:
            return f"{head}{pk}{tail}"
        return super().url_for_result(result)


class SharedMediaInlineAdminFormSet(helpers.InlineAdminFormSet):
    """Django's inline formset of a change form, whose media reads each kind of row's media once:
    Django asks every row (each an ``AdminForm`` merging its widgets' media) and then the empty
    form again. Rows with the same fields and read-only fields have the same media; it is added
    once per row as before, so the page's media is the same."""

    @property
    def media(self):
        media = self.opts.media + self.formset.media
        read: dict[tuple, object] = {}
        for admin_form in self:
            kind = (tuple(admin_form.readonly_fields), tuple(admin_form.form.fields))
            if kind not in read:
                read[kind] = admin_form.media
            media += read[kind]
        return media


class PolicyModelAdmin(admin.ModelAdmin):
    def get_changelist(self, request, **kwargs):
        return PolicyChangeList

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        """Django's form field; a foreign key's wrapper reverses its links' URLs once."""
        return with_cached_urls(super().formfield_for_dbfield(db_field, request, **kwargs))

    def get_record_queryset(self, request):
        """What ``get_object`` (the change form, deletion) reads one record from: by default the
        admin's queryset. An admin whose list annotates or prefetches what only the list shows
        (counts, sort keys, request status) returns the queryset without them."""
        return self.get_queryset(request)

    def get_object(self, request, object_id, from_field=None):
        """Django's ``get_object``, reading from ``get_record_queryset``."""
        queryset = self.get_record_queryset(request)
        model = queryset.model
        field = model._meta.pk if from_field is None else model._meta.get_field(from_field)
        try:
            object_id = field.to_python(object_id)
            return queryset.get(**{field.name: object_id})
        except (model.DoesNotExist, ValidationError, ValueError):
            return None

    def get_inline_formsets(self, request, formsets, inline_instances, obj=None):
        inline_admin_formsets = super().get_inline_formsets(
            request, formsets, inline_instances, obj
        )
        for inline_admin_formset in inline_admin_formsets:
            inline_admin_formset.__class__ = SharedMediaInlineAdminFormSet
        return inline_admin_formsets

    def has_view_permission(self, request, obj=None) -> bool:
        return has_object_perm(request, permission_name(self.opts, "view"), obj) or (
            self.has_change_permission(request, obj)
        )

    def has_add_permission(self, request) -> bool:
        return request.user.has_perm(permission_name(self.opts, "add"))

    def has_change_permission(self, request, obj=None) -> bool:
        if is_frozen(self.opts.label_lower, obj):
            return False  # a published edition's records are read only, superusers' included
        return has_object_perm(request, permission_name(self.opts, "change"), obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if is_frozen(self.opts.label_lower, obj):
            return False
        return has_object_perm(request, permission_name(self.opts, "delete"), obj)

    def action_checkbox(self, obj):
        """The row's checkbox for bulk actions: the same HTML as Django's, written directly rather
        than through a widget template (a template render per listed row) or ``format_html``."""
        label = gettext("Select this object for an action - {}").format(
            conditional_escape(str(obj))
        )
        value = conditional_escape(str(obj.pk))
        return SafeString(
            f'<input type="checkbox" name="{CHECKBOX_NAME}" value="{value}"'
            f' class="action-select" aria-label="{label}">'
        )

    def changelist_view(self, request, extra_context=None):
        """A POST naming an action the user was not offered is forged: refuse it (403).

        The list is called 「<model>の一覧」, not Django's 「変更する <model> を選択」."""
        if request.method == "POST":
            offered = self.get_actions(request)
            if any(name and name not in offered for name in request.POST.getlist("action")):
                raise PermissionDenied
        extra_context = {"title": list_title(self.opts), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def construct_change_message(self, request, form, formsets, add=False):
        """Django stores the changed fields' labels untranslated (「First name」, 「Staff status」)
        and shows them so in the history; store them as the form showed them (Japanese)."""
        message = super().construct_change_message(request, form, formsets, add)
        for entry in message:
            if "changed" in entry and "name" not in entry["changed"]:
                entry["changed"]["fields"] = [
                    str(form.fields[name].label or name)
                    for name in form.changed_data
                    if name in form.fields
                ]
        return message

    def response_action(self, request, queryset):
        """Bulk actions: check the action's permissions (``allowed_permissions``) on every selected
        object, not only on the model."""
        actions = self.get_actions(request)
        requested = [name for name in request.POST.getlist("action") if name]
        if request.POST.get("select_across") != "1":
            queryset = queryset.filter(pk__in=request.POST.getlist(helpers.ACTION_CHECKBOX_NAME))
        for name in requested:
            for permission in getattr(actions[name][0], "allowed_permissions", ()):
                check = getattr(self, f"has_{permission}_permission")
                if not all(check(request, obj) for obj in queryset):
                    raise PermissionDenied
        return super().response_action(request, queryset)


FOREIGN_ROW = "この行は、この画面のレコードのものではありません。画面を開き直してください。"


class PolicyInlineMixin:
    """An inline row may be added, changed or deleted only by someone who may change the parent.

    A row's id must be one of the parent's rows. Django's model formset looks a posted id up in the
    parent's rows, but when it is not there it builds an empty *new* row and validates the id only
    against every row of the model: another record's row id would come back as a new row here.
    """

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class OwnRowsFormSet(formset):
            @cached_property
            def forms(self):
                forms = super().forms
                share_autocomplete_labels(forms)
                return forms

            @cached_property
            def empty_form(self):
                """Built once: Django builds it anew each time it is read (the media, the
                column headers and the template's rows each read it)."""
                form = super().empty_form
                share_autocomplete_labels([form])
                return form

            def clean(self):
                super().clean()
                foreign = [
                    form
                    for form in self.initial_forms
                    if form.instance.pk is None or form.instance._state.adding
                ]
                for form in foreign:
                    form.add_error(None, FOREIGN_ROW)
                if foreign:
                    raise ValidationError(FOREIGN_ROW)

        OwnRowsFormSet.__name__ = formset.__name__
        return OwnRowsFormSet

    def _may_change_parent(self, request, obj) -> bool:
        if is_frozen(self.parent_model._meta.label_lower, obj):
            return False
        return has_object_perm(request, permission_name(self.parent_model._meta, "change"), obj)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        """Django's form field; a foreign key's wrapper reverses its links' URLs once."""
        return with_cached_urls(super().formfield_for_dbfield(db_field, request, **kwargs))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """Autocomplete selects whose selected records' names the formset reads once for all its
        rows (``share_autocomplete_labels``)."""
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SharedLabelsAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(permission_name(self.opts, "view"))

    def has_add_permission(self, request, obj=None) -> bool:
        return self._may_change_parent(request, obj) and request.user.has_perm(
            permission_name(self.opts, "add")
        )

    def has_change_permission(self, request, obj=None) -> bool:
        return self._may_change_parent(request, obj) and request.user.has_perm(
            permission_name(self.opts, "change")
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._may_change_parent(request, obj) and request.user.has_perm(
            permission_name(self.opts, "delete")
        )


class PolicyTabularInline(PolicyInlineMixin, admin.TabularInline):
    extra = 0
    #: Django's tabular.html written out in Python (the same HTML): accounts/admin_inline_html.py.
    template = "admin/edit_inline/tabular_written.html"


class OwnBureauListFilter(admin.SimpleListFilter):
    """「自局のみ」/「すべて」. 「所管局担当者」 start with 「自局のみ」 (「すべて」 shows every
    row).

    The model's queryset must offer ``for_bureaus(bureau_ids)``.
    """

    title = "所管"
    parameter_name = "own"
    MINE, ALL = "mine", "all"

    def __init__(self, request, params, model, model_admin):
        self.user = request.user
        self.bureau_ids = user_bureau_ids(request.user)
        super().__init__(request, params, model, model_admin)

    @classmethod
    def effective(cls, value: str | None, user) -> str:
        """The choice in force for ``?own=value`` (the Excel export asks the same question)."""
        if not user_bureau_ids(user):
            return cls.ALL
        if value in (cls.MINE, cls.ALL):
            return value
        return cls.MINE if lists_own_bureaus_first(user) else cls.ALL

    def lookups(self, request, model_admin):
        return [(self.MINE, "自局のみ"), (self.ALL, "すべて")] if self.bureau_ids else []

    def has_output(self) -> bool:
        return bool(self.bureau_ids)

    def value(self):
        return self.effective(super().value(), self.user)

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == self.MINE and self.bureau_ids:
            return queryset.for_bureaus(self.bureau_ids)
        return queryset
