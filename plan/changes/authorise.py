"""Who may propose a set of changes: every record, and every project or KPI it is attached to, is
asked of the policy (accounts.permissions); nothing is decided here."""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import permissions
from plan.changes.vocabulary import CHANGEABLE_MODELS, EditionFrozen, ProposedChange, Ref
from plan.models import ChangeItem, Edition

# --- Who may propose what ---------------------------------------------------------------------


# A record attached to a project or a KPI may be attached only to one the user may change.
PARENTS = {
    "project_id": ("plan.Project", "plan.change_project"),
    "kpi_id": ("kpis.Kpi", "kpis.change_kpi"),
}


#: The parent check of a 「実績値」: whether the user may report the KPI's figures, not whether they
#: may change its text (a published edition's KPI is frozen and still takes its yearly actuals).
ACTUAL_PARENT = "kpis.report_kpi"

#: Records attached to a project or a KPI (their parent is checked too).
ATTACHED = {"plan.projectbureau", "kpis.projectkpi", "kpis.kpivalue", "kpis.kpiactual"}


class _Parents:
    """The projects and KPIs a set of changes attaches records to, loaded with one query per model,
    and the policy's answers about them, asked once per parent (not once per change)."""

    def __init__(self, changes: list[ProposedChange]) -> None:
        wanted: dict[str, set] = {}
        for change in changes:
            if change.model_label not in ATTACHED:
                continue
            for attname, (parent_label, _permission) in PARENTS.items():
                value = change.values.get(attname)
                if value is not None and not isinstance(value, Ref):
                    wanted.setdefault(parent_label, set()).add(value)
        self.loaded: dict[tuple[str, object], object] = {}
        for label, pks in wanted.items():
            found = apps.get_model(label)._base_manager.in_bulk(sorted(pks))
            self.loaded.update(((label, pk), found.get(pk)) for pk in pks)
        self.answers: dict[tuple[str, str, object], bool] = {}

    def may_change(self, user, parent_label: str, permission: str, pk) -> bool:
        key = (parent_label, permission, pk)
        if key not in self.answers:
            if (parent_label, pk) in self.loaded:
                parent = self.loaded[(parent_label, pk)]
            else:
                parent = apps.get_model(parent_label)._base_manager.filter(pk=pk).first()
            if parent is None:
                self.answers[key] = False
            elif permission == ACTUAL_PARENT:
                self.answers[key] = permissions.may_report_kpi(user, parent)
            else:
                self.answers[key] = user.has_perm(permission, parent)
        return self.answers[key]


def check_change_allowed(
    user, change: ProposedChange, parents: _Parents | None = None, answers: dict | None = None
) -> None:
    """Every record of a request must be one the user may change, and every project or KPI it is
    attached to (before and after the change) one they may change too. The policy decides.

    ``answers`` keeps the policy's answers about new records (no record to ask about: the same
    answer for every creation of a model) across the changes of one request."""
    app_label, model_name = change.model_label.split(".")
    action = {"create": "add", "update": "change", "delete": "delete"}[change.operation]
    permission = f"{app_label}.{action}_{model_name}"
    if change.instance is None and answers is not None:
        if permission not in answers:
            answers[permission] = user.has_perm(permission, None)
        allowed = answers[permission]
    else:
        allowed = user.has_perm(permission, change.instance)
    if change.model_label not in CHANGEABLE_MODELS or not allowed:
        model = apps.get_model(change.model_label)
        operation = ChangeItem.Operation(change.operation).label
        raise PermissionDenied(f"{model._meta.verbose_name}の{operation}は許可されていません。")
    if change.model_label not in ATTACHED:
        return
    parents = parents or _Parents([change])
    for attname, (parent_label, permission) in PARENTS.items():
        value = change.values.get(attname)
        if value is None or isinstance(value, Ref):
            continue
        if change.model_label == "kpis.kpiactual" and attname == "kpi_id":
            permission = ACTUAL_PARENT
        if not parents.may_change(user, parent_label, permission, value):
            raise PermissionDenied("変更できない事業や KPI に結び付けることはできません。")


def check_bureau_assignment(user, changes: list[ProposedChange]) -> None:
    """Every project a request touches keeps one of the user's bureaus among its responsible
    bureaus: staff cannot create a project for another bureau, nor hand theirs over."""
    from plan.models import ProjectBureau

    resulting: dict[object, set[int]] = {}
    for change in changes:
        if change.model_label == "plan.project" and change.operation == "create":
            resulting.setdefault(Ref(change.key), {})
        if change.model_label != "plan.projectbureau":
            continue
        if change.instance is not None:
            project = change.instance.project_id
            if project not in resulting:
                links = ProjectBureau.objects.filter(project_id=project)
                resulting[project] = {link.pk: link.bureau_id for link in links}
        else:
            project = change.values["project_id"]
            resulting.setdefault(
                project,
                {}
                if isinstance(project, Ref)
                else {
                    link.pk: link.bureau_id
                    for link in ProjectBureau.objects.filter(project_id=project)
                },
            )
    for change in changes:
        if change.model_label != "plan.projectbureau":
            continue
        if change.instance is not None:
            links = resulting[change.instance.project_id]
            if change.operation == "delete":
                links.pop(change.instance.pk, None)
            else:
                links[change.instance.pk] = change.values.get(
                    "bureau_id", links[change.instance.pk]
                )
        else:
            links = resulting[change.values["project_id"]]
            links[f"new-{change.key}"] = change.values["bureau_id"]
    for links in resulting.values():
        bureau_ids = set(links.values())
        if not permissions.may_assign_bureaus(user, bureau_ids):
            raise PermissionDenied(permissions.BUREAU_ASSIGNMENT_REFUSED)


# --- Published editions are frozen -------------------------------------------------------------


def editions_touched(changes: list[ProposedChange]) -> set[int]:
    """The editions whose content the changes create, change or delete records of: the edition of
    every record changed (as stored, and as it would be after the change), and of the parent a new
    record is attached to (following records created by the same changes). One query per model."""
    created = {change.key: change for change in changes if change.operation == "create"}
    pks_by_label: dict[str, set] = {}

    def follow(label: str, values: dict, seen: frozenset) -> None:
        path = permissions.EDITION_CONTENT.get(label)
        if not path:
            return  # not edition content, or a new edition
        first = path.split("__")[0]
        value = values.get(f"{first}_id")
        if value is None:
            return
        if isinstance(value, Ref):
            parent = created.get(value.key)
            if parent is not None and value.key not in seen:
                follow(parent.model_label, parent.values, seen | {value.key})
            return
        related = apps.get_model(label)._meta.get_field(first).related_model
        pks_by_label.setdefault(related._meta.label_lower, set()).add(value)

    for change in changes:
        if change.model_label not in permissions.EDITION_CONTENT:
            continue
        if change.instance is not None and change.instance.pk is not None:
            pks_by_label.setdefault(change.model_label, set()).add(change.instance.pk)
        follow(change.model_label, change.values, frozenset())
    editions: set[int] = set()
    for label, pks in pks_by_label.items():
        path = permissions.EDITION_CONTENT[label]
        if not path:
            editions |= pks
            continue
        model = apps.get_model(label)
        editions |= set(model._base_manager.filter(pk__in=pks).values_list(path, flat=True))
    editions.discard(None)
    return editions


def check_editions_open(changes: list[ProposedChange], *, lock: bool = False) -> None:
    """Refuse (``EditionFrozen``) any change to the content of a published edition, for everyone.
    ``lock``: hold the editions' rows until the transaction ends (publishing waits for an apply)."""
    editions = Edition.objects.filter(pk__in=editions_touched(changes)).order_by("pk")
    if lock:
        editions = editions.select_for_update()
    refusals = [permissions.edition_frozen_refusal(edition) for edition in editions]
    messages = [message for message in refusals if message]
    if messages:
        raise EditionFrozen(messages)


def check_changes(user, changes: list[ProposedChange]) -> None:
    if not changes:
        raise ValidationError("変更がありません。")
    check_editions_open(changes)  # first: a published edition refuses everyone, with its reason
    parents = _Parents(changes)
    answers: dict[str, bool] = {}
    for change in changes:
        check_change_allowed(user, change, parents, answers)
    check_bureau_assignment(user, changes)


def bureaus_concerned(changes: list[ProposedChange]) -> set[int]:
    """The bureaus responsible for the records a request touches (their staff may follow it)."""
    bureau_ids = set()
    actual_kpi_ids = set()  # an actual's bureaus are its KPI's: asked once for all of them
    for change in changes:
        if change.model_label == "kpis.kpiactual":
            kpi_id = change.values.get("kpi_id")
            if kpi_id and not isinstance(kpi_id, Ref):
                actual_kpi_ids.add(kpi_id)
            if change.instance is not None:
                actual_kpi_ids.add(change.instance.kpi_id)
            continue
        if change.instance is not None:
            bureau_ids |= permissions.owned_bureau_ids(change.model_label, change.instance)
        if change.model_label == "plan.projectbureau" and "bureau_id" in change.values:
            bureau_ids.add(change.values["bureau_id"])
    if actual_kpi_ids:
        bureau_ids |= permissions.kpi_bureau_ids_of(actual_kpi_ids)
    return bureau_ids
