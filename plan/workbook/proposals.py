"""An import's preview (plan.workbook.Preview) turned into the records it would change.

Each new or changed project and KPI becomes a group of ``ProposedChange`` records, so that the
services can check each group against the permission policy (and name the rows of a group the
importing user may not change) and then apply all of them as one change request.

Links whose order matters (a project's bureaus, its KPIs) are replaced as a whole when they change:
the old links are deleted and the new ones created in order, which never collides with the
uniqueness of positions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from kpis.models import VALUE_FIELDS, Kpi, KpiValue, ProjectKpi
from plan.changes import ChangeGroup, ProposedChange, Ref, replace_listings, replace_ordered_links
from plan.models import Edition, Listing, Project, ProjectBureau
from plan.workbook.columns import KPI_SHEET, LISTING_SHEET
from plan.workbook.results import KpiPreview, KpiValueData, Preview, ProjectPreview, Status


def project_key(code: str) -> str:
    return f"project:{code}"


def kpi_key(code: str) -> str:
    return f"kpi:{code}"


def _value_fields(data: KpiValueData) -> dict:
    return {name: getattr(data, name) for name in VALUE_FIELDS}


@dataclass
class _Current:
    """The stored records the touched projects and KPIs have now (a fixed number of queries)."""

    projects: dict[int, Project]
    bureau_links: dict[int, list[ProjectBureau]]
    listings: dict[int, list[Listing]]
    kpi_links: dict[int, list[ProjectKpi]]
    kpi_ids: dict[str, int]
    kpis: dict[int, Kpi]
    values: dict[int, dict[str, KpiValue]]

    @classmethod
    def load(cls, edition: Edition, project_ids: list[int], kpi_ids: list[int]) -> _Current:
        bureau_links: dict[int, list[ProjectBureau]] = defaultdict(list)
        for link in ProjectBureau.objects.filter(project_id__in=project_ids).order_by("position"):
            bureau_links[link.project_id].append(link)
        listings: dict[int, list[Listing]] = defaultdict(list)
        for listing in Listing.objects.filter(project_id__in=project_ids):
            listings[listing.project_id].append(listing)
        kpi_links: dict[int, list[ProjectKpi]] = defaultdict(list)
        for kpi_link in (
            ProjectKpi.objects.filter(project_id__in=project_ids)
            .select_related("kpi")
            .order_by("position")
        ):
            kpi_links[kpi_link.project_id].append(kpi_link)
        kpis = Kpi.objects.in_bulk(kpi_ids)
        values: dict[int, dict[str, KpiValue]] = defaultdict(dict)
        for value in KpiValue.objects.filter(kpi_id__in=list(kpis)):
            values[value.kpi_id][value.kind] = value
        return cls(
            projects=Project.objects.in_bulk(project_ids),
            bureau_links=bureau_links,
            listings=listings,
            kpi_links=kpi_links,
            kpi_ids={k.code: k.pk for k in Kpi.objects.filter(edition=edition).only("pk", "code")},
            kpis=kpis,
            values=values,
        )

    def kpi_reference(self, code: str) -> int | Ref:
        """A KPI of the edition by its pk; one the import creates by its key."""
        return self.kpi_ids[code] if code in self.kpi_ids else Ref(kpi_key(code))


def change_groups(preview: Preview, edition: Edition) -> list[ChangeGroup]:
    """Every new or changed project and KPI of the preview, as groups of proposed changes."""
    touched_projects = [p for p in preview.projects if p.status in (Status.NEW, Status.CHANGED)]
    touched_kpis = [k for k in preview.kpis if k.status in (Status.NEW, Status.CHANGED)]
    current = _Current.load(
        edition,
        [p.project_id for p in touched_projects if p.project_id],
        [k.kpi_id for k in touched_kpis if k.kpi_id],
    )
    groups = [_project_group(item, current, edition) for item in touched_projects]
    groups += [_kpi_group(item, current, edition) for item in touched_kpis]
    return [group for group in groups if group.changes]


def _project_group(item: ProjectPreview, current: _Current, edition: Edition) -> ChangeGroup:
    data = item.data
    assert data is not None  # a new or changed project has its data
    group = ChangeGroup(
        f"事業 {item.code}「{data.name}」", LISTING_SHEET, item.rows, code=item.code
    )
    reference: int | Ref
    current_bureaus: list[ProjectBureau] = []
    current_listings: list[Listing] = []
    current_kpis: list[ProjectKpi] = []
    if item.status == Status.NEW or item.project_id is None:
        reference = Ref(project_key(item.code))
        group.changes.append(
            ProposedChange.create(
                Project,
                {
                    "edition_id": edition.pk,
                    "code": data.code,
                    "name": data.name,
                    "summary": data.summary,
                    "is_new": data.is_new,
                },
                key=project_key(item.code),
            )
        )
    else:
        project = current.projects[item.project_id]
        reference = project.pk
        differences = {
            name: getattr(data, name)
            for name in ("name", "summary", "is_new")
            if getattr(project, name) != getattr(data, name)
        }
        if differences:
            group.changes.append(ProposedChange.update(project, differences))
        current_bureaus = current.bureau_links[project.pk]
        current_listings = current.listings[project.pk]
        current_kpis = current.kpi_links[project.pk]

    group.changes += replace_ordered_links(
        current_bureaus,
        list(data.bureau_ids),
        model=ProjectBureau,
        parent_field="project",
        parent=reference,
        target_field="bureau",
        key=f"bureau:{item.code}",
    )
    group.changes += replace_listings(
        current_listings,
        {(placement.measure_id, placement.number) for placement in data.listings},
        project=reference,
        key=f"listing:{item.code}",
    )
    group.changes += replace_ordered_links(
        current_kpis,
        [current.kpi_reference(code) for code in data.kpi_codes],
        model=ProjectKpi,
        parent_field="project",
        parent=reference,
        target_field="kpi",
        key=f"kpi-link:{item.code}",
    )
    return group


def _kpi_group(item: KpiPreview, current: _Current, edition: Edition) -> ChangeGroup:
    data = item.data
    assert data is not None  # a new or changed KPI has its data
    group = ChangeGroup(
        f"KPI {item.code}「{data.indicator[:30]}」", KPI_SHEET, item.rows, code=item.code
    )
    reference: int | Ref
    current_values: dict[str, KpiValue] = {}
    if item.status == Status.NEW or item.kpi_id is None:
        reference = Ref(kpi_key(item.code))
        group.changes.append(
            ProposedChange.create(
                Kpi,
                {"edition_id": edition.pk, "code": data.code, "indicator": data.indicator},
                key=kpi_key(item.code),
            )
        )
    else:
        kpi = current.kpis[item.kpi_id]
        reference = kpi.pk
        if kpi.indicator != data.indicator:
            group.changes.append(ProposedChange.update(kpi, {"indicator": data.indicator}))
        current_values = current.values[kpi.pk]
    for kind, wanted_value in (("baseline", data.baseline), ("target", data.target)):
        existing = current_values.get(kind)
        if wanted_value is None:
            if existing is not None:
                group.changes.append(ProposedChange.delete(existing))
            continue
        fields = _value_fields(wanted_value)
        if existing is None:
            group.changes.append(
                ProposedChange.create(
                    KpiValue,
                    {"kpi_id": reference, "kind": kind, **fields},
                    key=f"value:{item.code}:{kind}",
                )
            )
        else:
            differences = {n: v for n, v in fields.items() if getattr(existing, n) != v}
            if differences:
                group.changes.append(ProposedChange.update(existing, differences))
    return group
