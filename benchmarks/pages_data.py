"""The data of the page benchmark (benchmarks/pages.py): the 2024 edition at ×N with its history,
change requests made through the real services, actuals and the FY2024 evaluation round, and the
people who request the pages. See pages.py's docstring for what each scale holds."""

from __future__ import annotations

from benchmarks.scaled_edition import COPY_SEPARATOR, scale_edition

CHANGE_REQUESTS_PER_COPY = 20
COORDINATOR = "coordinator"
STAFF = "sangyo"
STAFF_BUREAU = "産業経済局"
COORDINATOR_BUREAU = "環境局"
ROLES = (COORDINATOR, STAFF)
CROSS_LISTED_PROJECT = "アジア・グリーン共創ハブ推進事業"
SHARED_KPI = "市内再エネ導入量"
EVALUATION_YEAR = 2024
#: The share of 評価票 moved on from 「未着手」, in turn: 作成中, 提出済, 確定 (with grades).
EVALUATION_STATES = ("draft", "submitted", "confirmed", "not_started")
#: Changes applied to the cross-listed project and the shared KPI before the others (their history).
FEATURED_CHANGES = 4


def shared_kpi(edition):
    """The original shared KPI (its copies have the same indicator and a code with a suffix)."""
    from kpis.models import Kpi

    return Kpi.objects.exclude(code__contains=COPY_SEPARATOR).get(
        edition=edition, indicator=SHARED_KPI
    )


def record_initial_history() -> int:
    """A first historical record for every record of the plan without one (as ``setup_demo``'s
    ``populate_history`` does after loading the edition). Returns the records written."""
    from kpis.models import Kpi, KpiValue, ProjectKpi
    from plan.models import Edition, Listing, Measure, Plan, PolicyGoal, Project, ProjectBureau

    written = 0
    for model in (
        Plan,
        Edition,
        PolicyGoal,
        Measure,
        Project,
        ProjectBureau,
        Listing,
        Kpi,
        KpiValue,
        ProjectKpi,
    ):
        missing = list(
            model._base_manager.exclude(pk__in=model.history.values("id")).order_by("pk")
        )
        if missing:
            model.history.bulk_history_create(missing, batch_size=2000)
            written += len(missing)
    return written


#: The fiscal years every KPI gets an actual for.
ACTUAL_YEARS = (2022, 2023, 2024)


def add_actuals(edition) -> int:
    """An actual for each of ``ACTUAL_YEARS`` for every KPI of the edition without one (bulk):
    its baseline's value and unit grown by 3% a year, or a text when the baseline has no number.
    Returns the actuals written."""
    from decimal import Decimal

    from kpis.models import Kpi, KpiActual, KpiValue

    missing = Kpi.objects.filter(edition=edition).exclude(actuals__isnull=False)
    baselines = {
        value.kpi_id: value
        for value in KpiValue.objects.filter(kpi__in=missing, kind="baseline", value__isnull=False)
    }
    actuals = []
    for kpi_id in missing.values_list("pk", flat=True):
        baseline = baselines.get(kpi_id)
        for number, year in enumerate(ACTUAL_YEARS, start=1):
            if baseline is None:
                actuals.append(KpiActual(kpi_id=kpi_id, year=year, text="取組を実施"))
                continue
            value = (baseline.value * (1 + Decimal("0.03") * number)).quantize(Decimal("0.01"))
            actuals.append(
                KpiActual(
                    kpi_id=kpi_id,
                    year=year,
                    text=f"{value}{baseline.unit}",
                    value=value,
                    unit=baseline.unit,
                )
            )
    KpiActual.objects.bulk_create(actuals, batch_size=2000)
    return len(actuals)


def benchmark_users() -> dict[str, object]:
    """The measured users and one staff member per bureau (the submitters), created if absent."""
    from accounts.models import Bureau, Role, User

    users = {}
    for name, role, bureau in (
        (COORDINATOR, Role.COORDINATOR, COORDINATOR_BUREAU),
        ("coordinator2", Role.COORDINATOR, COORDINATOR_BUREAU),
    ):
        user, created = User.objects.get_or_create(
            username=name, defaults={"role": role, "is_staff": True, "last_name": name}
        )
        if created:
            user.bureaus.set(Bureau.objects.filter(name=bureau))
        users[name] = user
    for bureau in Bureau.objects.order_by("pk"):
        name = {STAFF_BUREAU: STAFF, COORDINATOR_BUREAU: "kankyo"}.get(bureau.name)
        name = name or f"staff{bureau.pk}"
        user, created = User.objects.get_or_create(
            username=name,
            defaults={"role": Role.BUREAU_STAFF, "is_staff": True, "last_name": bureau.name},
        )
        if created:
            user.bureaus.set([bureau])
        users[f"bureau:{bureau.pk}"] = user
        users[name] = user
    return users


def _project_changes(project, kpi_values, note: str) -> list:
    """The project's 概要 with a note appended, and each given KPI value's text with it too."""
    from plan.changes import ProposedChange

    changes = [ProposedChange.update(project, {"summary": f"{project.summary}\n{note}"})]
    changes += [
        ProposedChange.update(value, {"text": f"{value.text} ({note})"}) for value in kpi_values
    ]
    return changes


def _submit(users, edition, project, kpi_values, number: int, *, outcome: str, submitter=None):
    """One change request about ``project`` through the real services; ``outcome`` is one of
    approve, return, reject, pending, direct."""
    from plan import changes as services

    note = f"見直し{number}"
    changes = _project_changes(project, kpi_values, note)
    arguments = {
        "edition": edition,
        "changes": changes,
        "reason": f"年度の見直し ({note})",
        "title": project.name,
        "project": project,
    }
    coordinator = users["coordinator2"]
    if outcome == "direct":
        change_request, _created = services.change_direct_apply(
            acting_user=coordinator, **arguments
        )
        return change_request
    change_request = services.change_request_submit(acting_user=submitter, **arguments)
    if outcome == "approve":
        services.change_request_approve(acting_user=coordinator, change_request=change_request)
    elif outcome == "return":
        services.change_request_return(
            acting_user=coordinator,
            change_request=change_request,
            comment="数値の出典を変更理由に書き添えてください。",
        )
    elif outcome == "reject":
        services.change_request_reject(
            acting_user=coordinator,
            change_request=change_request,
            reason="今年度の改訂では見送ります。",
        )
    return change_request


#: The outcome of the i-th generated request, by i % 20: half approved, a fifth pending, some
#: returned or rejected, and some applied directly by a coordinator.
OUTCOMES = ("approve",) * 10 + ("return",) * 2 + ("reject",) + ("pending",) * 4 + ("direct",) * 3


def _make_featured_requests(edition, users) -> None:
    """The requests the measured pages show: a few approved changes to the cross-listed project
    and the shared KPI (their history), then a pending request by 環境局 staff touching both (the
    coordinator's review page), and a pending request by the measured staff member about a project
    of their bureau with a KPI (the staff member's review page)."""
    from kpis.models import KpiValue
    from plan.models import Project

    project = Project.objects.get(edition=edition, name=CROSS_LISTED_PROJECT)
    kpi = shared_kpi(edition)
    bureau_id = project.bureau_links.order_by("position")[0].bureau_id
    submitter = users[f"bureau:{bureau_id}"]
    own_value_ids = list(
        KpiValue.objects.filter(kpi__project_links__project=project)
        .order_by("pk")
        .values_list("pk", flat=True)[:1]
    )
    shared_value_ids = list(kpi.values.order_by("kind").values_list("pk", flat=True))
    for number in range(1, FEATURED_CHANGES + 2):
        outcome = "approve" if number <= FEATURED_CHANGES else "pending"
        value_ids = own_value_ids + shared_value_ids[: 1 if outcome == "approve" else None]
        _submit(
            users,
            edition,
            Project.objects.get(pk=project.pk),
            list(KpiValue.objects.filter(pk__in=value_ids).order_by("pk")),
            number,
            outcome=outcome,
            submitter=submitter,
        )
    staff = users[STAFF]
    own = (
        Project.objects.filter(edition=edition, bureau_links__bureau__in=staff.bureaus.all())
        .filter(kpi_links__kpi__values__isnull=False)
        .order_by("code")
        .first()
    )
    values = list(KpiValue.objects.filter(kpi__project_links__project=own).order_by("pk")[:1])
    _submit(users, edition, own, values, 1, outcome="pending", submitter=staff)


def featured_requests(edition) -> dict[str, int]:
    """The pending request each measured user reviews (made by ``_make_featured_requests``)."""
    from plan.models import ChangeRequest

    pending = ChangeRequest.objects.filter(
        edition=edition, status=ChangeRequest.Status.PENDING
    ).order_by("pk")
    return {
        COORDINATOR: pending.filter(project__name=CROSS_LISTED_PROJECT)[0].pk,
        STAFF: pending.filter(submitted_by__username=STAFF)[0].pk,
    }


def make_change_requests(edition, users, target: int) -> None:
    """Add change requests about the edition's projects until it has ``target`` of them.

    The i-th request is about every 7th project (wrapping around), skipping projects and KPI values
    that an open (pending or returned) request already touches, so that no request conflicts with
    another; every 4th request changes one of the project's KPI values too.
    """
    from kpis.models import KpiValue
    from plan.models import ChangeItem, ChangeRequest, Project

    requests = ChangeRequest.objects.filter(edition=edition)
    if not requests.exists():
        _make_featured_requests(edition, users)
    projects = list(
        Project.objects.filter(edition=edition).order_by("pk").values_list("pk", flat=True)
    )
    first_bureau = dict(
        Project.objects.filter(edition=edition, bureau_links__position=1).values_list(
            "pk", "bureau_links__bureau_id"
        )
    )
    value_of: dict[int, int] = {}
    for project_id, value_id in (
        KpiValue.objects.filter(kpi__project_links__project__edition=edition)
        .order_by("pk")
        .values_list("kpi__project_links__project_id", "pk")
    ):
        value_of.setdefault(project_id, value_id)
    open_requests = requests.open()
    busy_projects = set(open_requests.exclude(project=None).values_list("project_id", flat=True))
    busy_values = set(
        ChangeItem.objects.filter(
            change_request__in=open_requests, model_label="kpis.kpivalue"
        ).values_list("object_pk", flat=True)
    )
    count = requests.count()
    index = count
    while count < target:
        index += 1
        project_id = projects[(index * 7) % len(projects)]
        value_id = value_of.get(project_id) if index % 4 == 0 else None
        if project_id in busy_projects or value_id in busy_values:
            continue
        outcome = OUTCOMES[index % len(OUTCOMES)]
        _submit(
            users,
            edition,
            Project.objects.get(pk=project_id),
            [] if value_id is None else [KpiValue.objects.get(pk=value_id)],
            index,
            outcome=outcome,
            submitter=users[f"bureau:{first_bureau[project_id]}"],
        )
        count += 1
        if outcome in ("pending", "return"):
            busy_projects.add(project_id)
            if value_id is not None:
                busy_values.add(value_id)


def prepare_scale(edition, scale: int) -> dict:
    """Extend the edition to ``scale`` copies with its history and change requests; return what
    the pages need (users, the reviewed requests)."""
    scale_edition(edition, scale)
    add_actuals(edition)
    history = record_initial_history()
    users = benchmark_users()
    make_change_requests(edition, users, CHANGE_REQUESTS_PER_COPY * scale)
    evaluation_round = open_evaluation_round(edition, users[COORDINATOR])
    return {
        "users": users,
        "featured": featured_requests(edition),
        "initial_history": history,
        "round": evaluation_round.pk,
    }


def open_evaluation_round(edition, coordinator):
    """The FY``EVALUATION_YEAR`` round through ``round_open`` (one 評価票 per project), opened
    once (a larger scale's projects get their 評価票 added); the 評価票 spread over the states of
    ``EVALUATION_STATES`` in turn, with grades on the confirmed ones."""
    import datetime

    from django.utils import timezone

    from evaluation.models import EvaluationRound, EvaluationSheet
    from evaluation.services import round_open
    from plan.models import Project

    evaluation_round = EvaluationRound.objects.filter(
        edition=edition, fiscal_year=EVALUATION_YEAR
    ).first()
    if evaluation_round is None:
        evaluation_round = round_open(
            acting_user=coordinator,
            edition=edition,
            fiscal_year=EVALUATION_YEAR,
            deadline=datetime.date(EVALUATION_YEAR + 1, 7, 31),
        )
    else:
        have = evaluation_round.sheets.values("project_id")
        EvaluationSheet.objects.bulk_create(
            EvaluationSheet(round=evaluation_round, project=project)
            for project in Project.objects.filter(edition=edition).exclude(pk__in=have)
        )
    now = timezone.now()
    sheets = list(evaluation_round.sheets.order_by("pk"))
    for number, sheet in enumerate(sheets):
        sheet.state = EVALUATION_STATES[number % len(EVALUATION_STATES)]
        if sheet.state in ("submitted", "confirmed"):
            sheet.self_assessment = "ABCD"[number % 4]
            sheet.submitted_at = now
        if sheet.state == "confirmed":
            sheet.final_grade = "ABCD"[(number // 4) % 4]
            sheet.confirmed_by, sheet.confirmed_at = coordinator, now
    EvaluationSheet.objects.bulk_update(
        sheets,
        ["state", "self_assessment", "submitted_at", "final_grade", "confirmed_by", "confirmed_at"],
        batch_size=1000,
    )
    return evaluation_round
