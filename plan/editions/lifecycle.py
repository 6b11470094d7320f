"""An edition's life: 編集中 → (公表前チェック) → 公表済, and the next edition copied from it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts import permissions
from kpis.models import Kpi, KpiValue, ProjectKpi
from plan.editions.checks import Finding, edition_findings
from plan.eras import format_edition_title
from plan.models import (
    Edition,
    FindingAcknowledgement,
    Listing,
    Measure,
    PolicyGoal,
    Project,
    ProjectBureau,
)

ALREADY_PUBLISHED = "{title}はすでに公表済です。"
NOT_PUBLISHED = "次の版は公表済の版から作成します。{title}はまだ編集中です。"
NEXT_EXISTS = "{title}はすでにあります。"
REASON_REQUIRED = "確認済みにする理由を入力してください。"
FINDINGS_LEFT = (
    "公表前チェックの指摘が {count} 件残っています。"
    "修正するか、理由を添えて確認済みにしてから公表してください。"
)


class PublishingBlocked(ValidationError):
    """Findings neither fixed nor acknowledged: the edition was not published."""

    def __init__(self, findings: list[Finding]):
        super().__init__(FINDINGS_LEFT.format(count=len(findings)))
        self.findings = findings


def edition_review(edition: Edition) -> list[tuple[Finding, FindingAcknowledgement | None]]:
    """Every finding of the checks, with its acknowledgement if a coordinator gave one.
    Queries: the checks' (a fixed number) and one for the acknowledgements."""
    acknowledged = {
        ack.key: ack for ack in edition.acknowledgements.select_related("acknowledged_by")
    }
    return [(finding, acknowledged.get(finding.key)) for finding in edition_findings(edition)]


def acknowledged_keys(edition: Edition) -> set[tuple[str, str, int]]:
    """The keys of the findings a coordinator acknowledged (one query, of plain values)."""
    return set(edition.acknowledgements.values_list("code", "model_label", "object_pk"))


def unacknowledged_findings(edition: Edition) -> list[Finding]:
    """The findings neither fixed nor acknowledged: what stops publishing. Queries: the checks'
    and one for the acknowledgements' keys."""
    keys = acknowledged_keys(edition)
    return [finding for finding in edition_findings(edition) if finding.key not in keys]


@transaction.atomic
def edition_findings_acknowledge(
    *, edition: Edition, acting_user, findings: Iterable[Finding], reason: str
) -> list[FindingAcknowledgement]:
    """A coordinator acknowledges findings with a reason: they no longer block publishing.
    Queries: the policy's, and one upsert (SQLite: one per 124 findings, its 999 parameters)."""
    if not permissions.may_manage_editions(acting_user):
        raise PermissionDenied(permissions.ACKNOWLEDGING_REFUSED)
    refusal = permissions.edition_frozen_refusal(edition)
    if refusal:
        raise ValidationError(refusal)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(REASON_REQUIRED)
    now = timezone.now()
    # One upsert (in batches of the database's parameters): a finding acknowledged before gets
    # the new reason, person and time, as ``update_or_create`` gave it; a finding given twice once.
    chosen = {finding.key: finding for finding in findings}
    return FindingAcknowledgement.objects.bulk_create(
        [
            FindingAcknowledgement(
                edition=edition,
                code=finding.code,
                model_label=finding.model_label,
                object_pk=finding.object_pk,
                message=finding.message,
                reason=reason,
                acknowledged_by=acting_user,
                acknowledged_at=now,
            )
            for finding in chosen.values()
        ],
        update_conflicts=True,
        unique_fields=["edition", "code", "model_label", "object_pk"],
        update_fields=["message", "reason", "acknowledged_by", "acknowledged_at"],
    )


@transaction.atomic
def edition_publish(
    *,
    edition: Edition,
    acting_user,
    acknowledgements: Mapping[tuple[str, str, int], str] | None = None,
) -> Edition:
    """公表: freeze the edition. Only coordinators; only when every finding of the checks before
    publishing is fixed or acknowledged. ``acknowledgements`` (finding key → reason) are recorded
    first, in the same transaction. Raises ``PublishingBlocked`` with the findings left."""
    if not permissions.may_manage_editions(acting_user):
        raise PermissionDenied(permissions.PUBLISHING_REFUSED)
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    if edition.is_published:
        raise ValidationError(ALREADY_PUBLISHED.format(title=edition.title))
    if acknowledgements:
        by_key = {finding.key: finding for finding in edition_findings(edition)}
        for key, reason in acknowledgements.items():
            if key in by_key:
                edition_findings_acknowledge(
                    edition=edition, acting_user=acting_user, findings=[by_key[key]], reason=reason
                )
    left = unacknowledged_findings(edition)
    if left:
        raise PublishingBlocked(left)
    edition.status = Edition.Status.PUBLISHED
    edition.published_at = timezone.now()
    edition.published_by = acting_user
    edition._history_user = acting_user  # type: ignore[attr-defined]
    edition._change_reason = "公表"  # type: ignore[attr-defined]
    edition.save(update_fields=["status", "published_at", "published_by"])
    return edition


# --- The next edition -----------------------------------------------------------------------

#: Rows created per INSERT when copying.
_BATCH = 1000


def _copy(
    model: type[models.Model],
    rows: Iterable[dict[str, Any]],
    *,
    remap: Mapping[str, Mapping[int, int]],
    fixed: Mapping[str, Any],
    acting_user,
    reason: str,
) -> dict[int, int]:
    """Bulk-create copies of ``rows`` (``.values()`` dicts with ``pk``), foreign keys remapped to
    the copies, with a history row each. Returns old pk → new pk."""
    old_pks, objects = [], []
    for row in rows:
        old_pks.append(row.pop("pk"))
        for attname, mapping in remap.items():
            row[attname] = mapping[row[attname]]
        objects.append(model(**row, **fixed))
    created = bulk_create_with_history(
        objects, model, batch_size=_BATCH, default_user=acting_user, default_change_reason=reason
    )
    return {old: new.pk for old, new in zip(old_pks, created, strict=True)}


@transaction.atomic
def edition_create_next(*, edition: Edition, acting_user) -> Edition:
    """「次の版を作成」: copy a published edition into a new 編集中 one (the next fiscal year):
    goals, measures, listings with their No, projects with their bureaus in order, KPIs with their
    values and links. Codes are kept; each project and KPI links to the one it was copied from
    (``predecessor``), and none of the copies is 「<新>」 (a project added later is, having no
    predecessor). Bulk inserts: a fixed number of queries per model, whatever the edition's size."""
    if not permissions.may_manage_editions(acting_user):
        raise PermissionDenied(permissions.NEXT_EDITION_REFUSED)
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    if not edition.is_published:
        raise ValidationError(NOT_PUBLISHED.format(title=edition.title))
    year = edition.fiscal_year + 1
    if Edition.objects.filter(plan_id=edition.plan_id, fiscal_year=year).exists():
        raise ValidationError(NEXT_EXISTS.format(title=format_edition_title(year)))
    reason = f"{edition.title}から次の版を作成"
    new = Edition(plan_id=edition.plan_id, fiscal_year=year)
    new._history_user = acting_user  # type: ignore[attr-defined]
    new._change_reason = reason  # type: ignore[attr-defined]
    new.save()
    common = {"acting_user": acting_user, "reason": reason}

    def values(queryset, *names):
        return queryset.order_by("pk").values("pk", *names)

    goals = _copy(
        PolicyGoal,
        values(
            PolicyGoal.objects.filter(edition=edition), "code", "title", "tagline", "display_order"
        ),
        remap={},
        fixed={"edition": new},
        **common,
    )
    measures = _copy(
        Measure,
        values(
            Measure.objects.filter(goal__edition=edition),
            "goal_id",
            "number",
            "title",
            "description",
        ),
        remap={"goal_id": goals},
        fixed={},
        **common,
    )
    project_rows = values(
        Project.objects.filter(edition=edition), "code", "name", "summary", "search_text"
    )
    projects = _copy(
        Project,
        ({**row, "predecessor_id": row["pk"]} for row in project_rows),
        remap={},
        fixed={"edition": new, "is_new": False},
        **common,
    )
    _copy(
        ProjectBureau,
        values(
            ProjectBureau.objects.filter(project__edition=edition),
            "project_id",
            "bureau_id",
            "position",
        ),
        remap={"project_id": projects},
        fixed={},
        **common,
    )
    _copy(
        Listing,
        values(
            Listing.objects.filter(project__edition=edition), "measure_id", "project_id", "number"
        ),
        remap={"measure_id": measures, "project_id": projects},
        fixed={},
        **common,
    )
    kpi_rows = values(Kpi.objects.filter(edition=edition), "code", "indicator", "search_text")
    kpis = _copy(
        Kpi,
        ({**row, "predecessor_id": row["pk"]} for row in kpi_rows),
        remap={},
        fixed={"edition": new},
        **common,
    )
    value_fields = [f.attname for f in KpiValue._meta.concrete_fields if not f.primary_key]
    _copy(
        KpiValue,
        values(KpiValue.objects.filter(kpi__edition=edition), *value_fields),
        remap={"kpi_id": kpis},
        fixed={},
        **common,
    )
    _copy(
        ProjectKpi,
        values(
            ProjectKpi.objects.filter(project__edition=edition), "project_id", "kpi_id", "position"
        ),
        remap={"project_id": projects, "kpi_id": kpis},
        fixed={},
        **common,
    )
    return new
