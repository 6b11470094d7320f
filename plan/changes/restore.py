"""Restoring a project to a past state from its history, as a new change."""

from __future__ import annotations

import datetime

from django.utils import timezone

from plan.changes.submit import change_propose
from plan.changes.values import tracked_fields
from plan.changes.vocabulary import ProposedChange, replace_listings, replace_ordered_links
from plan.models import ChangeRequest


def project_restore(*, acting_user, project, record) -> ChangeRequest | None:
    """Restore a past state: the project at one point of its history (fields, 「所管局」 and
    their order, listings, KPI links and their order) becomes the proposed values. 「所管局担当者」
    submit a request (refused if the listings differ: those are a coordinator's work);
    「取りまとめ担当」 apply it directly. Links to 「基本施策」 or KPIs deleted since cannot come
    back and are left out.
    """
    from kpis.models import Kpi, ProjectKpi
    from plan.models import Listing, Measure, ProjectBureau

    project = type(project)._base_manager.get(pk=project.pk)  # compare with what is stored now
    # The version's links are those it had until the project next changed (links saved in the same
    # request as the project's record come a moment after it).
    following = record.next_record
    if following is None:
        when = timezone.now()
    else:
        # ... and until the start of the request that changed it next (which may have changed
        # links before the project itself).
        starts = [following.history_date]
        if following.change_request_id:
            for model in (ProjectBureau, Listing, ProjectKpi):
                first = (
                    model.history.filter(change_request_id=following.change_request_id)
                    .order_by("history_date")
                    .first()
                )
                if first is not None:
                    starts.append(first.history_date)
        when = min(starts) - datetime.timedelta(microseconds=1)
    values = {f.attname: getattr(record, f.attname) for f in tracked_fields(type(project))}
    differences = {name: value for name, value in values.items() if getattr(project, name) != value}
    changes = [ProposedChange.update(project, differences)] if differences else []

    def then(model):
        return sorted(
            model.history.as_of(when).filter(project_id=project.pk),
            key=lambda link: getattr(link, "position", 0),
        )

    existing_kpis = set(Kpi.objects.filter(edition=project.edition).values_list("pk", flat=True))
    existing_measures = set(Measure.objects.values_list("pk", flat=True))
    changes += replace_ordered_links(
        list(project.bureau_links.order_by("position")),
        [link.bureau_id for link in then(ProjectBureau)],
        model=ProjectBureau,
        parent_field="project",
        parent=project.pk,
        target_field="bureau",
        key="restore-bureau",
    )
    changes += replace_listings(
        list(project.listings.all()),
        {
            (link.measure_id, link.number)
            for link in then(Listing)
            if link.measure_id in existing_measures
        },
        project=project.pk,
        key="restore-listing",
    )
    changes += replace_ordered_links(
        list(project.kpi_links.order_by("position")),
        [link.kpi_id for link in then(ProjectKpi) if link.kpi_id in existing_kpis],
        model=ProjectKpi,
        parent_field="project",
        parent=project.pk,
        target_field="kpi",
        key="restore-kpi",
    )
    if not changes:
        return None
    return change_propose(
        acting_user=acting_user,
        edition=project.edition,
        changes=changes,
        reason=f"{timezone.localtime(record.history_date):%Y-%m-%d %H:%M} の状態への復元",
        title=project.name,
        project=project,
        source=ChangeRequest.Source.RESTORE,
    ).change_request
