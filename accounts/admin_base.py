"""Admin base classes that hand every permission question to the policy, with the object.

Django's ``ModelAdmin.has_change_permission(request, obj)`` asks ``user.has_perm(perm)`` without the
object; these pass the object on, so that accounts/permissions.py can decide per bureau. Inlines
ask about their parent: a staff member may edit a project's KPI links only where they may change
the project itself.
"""

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.permissions import lists_own_bureaus_first, user_bureau_ids


def list_title(opts) -> str:
    return f"{opts.verbose_name_plural}の一覧"


def permission_name(opts, action: str) -> str:
    return f"{opts.app_label}.{get_permission_codename(action, opts)}"


class PolicyModelAdmin(admin.ModelAdmin):
    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(permission_name(self.opts, "view"), obj) or (
            self.has_change_permission(request, obj)
        )

    def has_add_permission(self, request) -> bool:
        return request.user.has_perm(permission_name(self.opts, "add"))

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(permission_name(self.opts, "change"), obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(permission_name(self.opts, "delete"), obj)

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
        return request.user.has_perm(permission_name(self.parent_model._meta, "change"), obj)

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


class OwnBureauListFilter(admin.SimpleListFilter):
    """「自局のみ」/「すべて」。所管局担当者は「自局のみ」から始まる (「すべて」で全行を見られる)。

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
