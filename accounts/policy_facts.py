"""What the policy (accounts.permissions) reads about people and records: a user's bureaus and
whether they are an active member, and the bureaus responsible for a record of the plan.

Facts, not decisions: every decision stays in accounts.permissions, which re-exports these names.
Like the policy, this module imports no plan model at module level.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from accounts.models import User


def user_bureau_ids(user) -> set[int]:
    """The user's bureaus, cached on the user object for the length of a request; read from the
    memberships alone (not joined to the bureaus and sorted by their order: half the cost)."""
    cached = getattr(user, "_policy_bureau_ids", None)
    if cached is None:
        cached = set()
        if user.pk:
            memberships = User.bureaus.through.objects.filter(user_id=user.pk)
            cached = set(memberships.values_list("bureau_id", flat=True))
        user._policy_bureau_ids = cached
    return cached


def project_bureau_ids(project) -> set[int]:
    """The project's bureaus: its prefetched links when read with them, otherwise the links'
    bureau keys alone (not the links through ``project.bureau_links``, whose ordering joins the
    projects' table: a set needs no order)."""
    if project is None or project.pk is None:
        return set()
    prefetched = getattr(project, "_prefetched_objects_cache", {})
    if "bureau_links" in prefetched:
        return {link.bureau_id for link in prefetched["bureau_links"]}
    from plan.models import ProjectBureau

    links = ProjectBureau.objects.filter(project_id=project.pk).order_by()
    return set(links.values_list("bureau_id", flat=True))


def kpi_bureau_ids(kpi) -> set[int]:
    """A shared KPI belongs to every bureau owning one of the projects that share it."""
    if kpi is None or kpi.pk is None:
        return set()
    return kpi_bureau_ids_by_pk(kpi.pk)


def kpi_bureau_ids_by_pk(kpi_id: int) -> set[int]:
    from plan.models import ProjectBureau

    scope = _kpis_read_together.get()
    known = scope.bureaus_of(kpi_id) if scope is not None else None
    if known is not None:
        return set(known)
    return set(
        ProjectBureau.objects.filter(project__kpi_links__kpi_id=kpi_id).values_list(
            "bureau_id", flat=True
        )
    )


def kpi_bureau_ids_of(kpi_ids) -> set[int]:
    """The bureaus owning a project of any of these KPIs (one query)."""
    from plan.models import ProjectBureau

    return set(
        ProjectBureau.objects.filter(project__kpi_links__kpi_id__in=list(kpi_ids)).values_list(
            "bureau_id", flat=True
        )
    )


def owned_bureau_ids(model_label: str, obj: Any) -> set[int]:
    """The bureaus responsible for an object of the plan's content."""
    if model_label == "plan.project":
        return project_bureau_ids(obj)
    if model_label == "plan.projectbureau":
        return project_bureau_ids(obj.project) if obj.project_id else set()
    if model_label == "kpis.kpi":
        return kpi_bureau_ids(obj)
    if model_label in {"kpis.kpivalue", "kpis.kpiactual"}:
        return kpi_bureau_ids_by_pk(obj.kpi_id) if obj.kpi_id else set()
    if model_label == "kpis.projectkpi":
        return project_bureau_ids(obj.project) if obj.project_id else set()
    return set()


def is_active_member(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


class _KpiBureaus:
    """The bureaus of a set of KPIs, read at the first question about one of them."""

    def __init__(self, kpis) -> None:
        self.kpis = kpis
        self.bureaus: dict[int, set[int]] | None = None

    def bureaus_of(self, kpi_id: int) -> set[int] | None:
        if self.bureaus is None:
            from plan.models import ProjectBureau

            self.bureaus = {pk: set() for pk in self.kpis.values_list("pk", flat=True)}
            pairs = ProjectBureau.objects.filter(project__kpi_links__kpi__in=self.kpis)
            for kpi, bureau in pairs.values_list("project__kpi_links__kpi_id", "bureau_id"):
                self.bureaus[kpi].add(bureau)
        return self.bureaus.get(kpi_id)


_kpis_read_together: ContextVar[_KpiBureaus | None] = ContextVar(
    "policy_kpis_read_together", default=None
)


@contextlib.contextmanager
def kpi_bureaus_read_together(kpis) -> Iterator[None]:
    """Within the block, the first question about the bureaus of one of ``kpis`` (a queryset)
    reads those of all of them (two queries); the others are answered from that, not with a
    query per KPI (the yearly sheet asks about each of its rows' KPIs)."""
    token = _kpis_read_together.set(_KpiBureaus(kpis))
    try:
        yield
    finally:
        _kpis_read_together.reset(token)
