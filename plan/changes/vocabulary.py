"""The engine's vocabulary: a proposed change to one record, references to records created by
the same request, and the conflict raised when the official record moved on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from plan.models import ChangeItem

# The records a change request may touch, in the order creations are applied (parents first).
CHANGEABLE_MODELS = (
    "plan.plan",
    "plan.edition",
    "plan.policygoal",
    "plan.measure",
    "plan.project",
    "plan.projectbureau",
    "plan.listing",
    "kpis.kpi",
    "kpis.kpivalue",
    "kpis.projectkpi",
    "kpis.kpiactual",
)
DERIVED_FIELDS = {"search_text"}


class ChangeConflict(Exception):
    """The official record changed after the request was made, or the result would be invalid."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


class EditionFrozen(ChangeConflict):
    """The change touches a published edition (公表済), whose content is frozen."""


class RequestRevised(ChangeConflict):
    """The request was amended after the person deciding it was shown it."""

    def __init__(self, shown: int, current: int):
        super().__init__(
            [
                f"この申請は表示の後に修正されました (表示した版 {shown} → 現在の版 {current})。"
                "何も決定していません。新しい内容を確かめてから、もう一度決定してください。"
            ]
        )
        self.shown = shown
        self.current = current


@dataclass(frozen=True)
class Ref:
    """A record created by the same request (named by its ``key``)."""

    key: str


@dataclass
class ChangeGroup:
    """The records one project (or one KPI) of the file would change, and where it stands
    (``code``: the project's or KPI's code in the file)."""

    label: str
    sheet: str
    rows: tuple[int, ...]
    changes: list[ProposedChange] = field(default_factory=list)
    code: str = ""


@dataclass
class ProposedChange:
    """One record to create, update or delete. ``values`` maps field attnames to new values."""

    operation: str
    model_label: str
    instance: models.Model | None = None
    values: dict[str, Any] = field(default_factory=dict)
    key: str = ""

    @classmethod
    def create(cls, model: type[models.Model], values: dict[str, Any], key: str) -> ProposedChange:
        return cls(ChangeItem.Operation.CREATE, model._meta.label_lower, None, values, key)

    @classmethod
    def update(cls, instance: models.Model, values: dict[str, Any]) -> ProposedChange:
        return cls(ChangeItem.Operation.UPDATE, instance._meta.label_lower, instance, values)

    @classmethod
    def delete(cls, instance: models.Model) -> ProposedChange:
        return cls(ChangeItem.Operation.DELETE, instance._meta.label_lower, instance)


def replace_ordered_links(
    current: Sequence[Any],
    wanted: list,
    *,
    model,
    parent_field: str,
    parent,
    target_field: str,
    key: str,
) -> list[ProposedChange]:
    """Links whose order matters (a project's bureaus, its KPIs): when the wanted targets differ
    from the current ones (or their order does), delete the old links and create the new ones in
    order. This never collides with the uniqueness of positions (deletions are applied first)."""
    if [getattr(link, f"{target_field}_id") for link in current] == list(wanted):
        return []
    return [ProposedChange.delete(link) for link in current] + [
        ProposedChange.create(
            model,
            {f"{parent_field}_id": parent, f"{target_field}_id": target, "position": position},
            key=f"{key}:{position}",
        )
        for position, target in enumerate(wanted, start=1)
    ]


def replace_listings(current: Sequence[Any], wanted: set[tuple[int, int]], *, project, key: str):
    """A project's listings: delete those no longer wanted, create the new (measure, No) pairs."""
    from plan.models import Listing

    existing = {(listing.measure_id, listing.number): listing for listing in current}
    return [ProposedChange.delete(existing[pair]) for pair in sorted(set(existing) - wanted)] + [
        ProposedChange.create(
            Listing,
            {"measure_id": measure_id, "project_id": project, "number": number},
            key=f"{key}:{measure_id}",
        )
        for measure_id, number in sorted(wanted - set(existing))
    ]
