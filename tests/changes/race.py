"""Approval racing a coordinator's direct edit of the same project, round after round.

Each round: bureau staff propose a new 概要; a coordinator opens the project's form; then, at the
same moment, another coordinator approves the request and the first saves the form with a new
name. Whatever the order, no change reported as made may be missing afterwards, and no request may
end in a server error.

Used in-process by the PostgreSQL test, and as ``python -m tests.changes.race ROUNDS`` (printing
JSON) against a SQLite file database, whose writers need their own connections and process.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import TYPE_CHECKING

from django.db import connections
from django.test import Client
from django.urls import reverse

if TYPE_CHECKING:
    from tests.world import PlanWorld


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def race(world: PlanWorld, rounds: int) -> dict[str, int]:
    from plan import changes
    from plan.changes import ProposedChange
    from plan.models import ChangeRequest, Project
    from tests.admin_forms import read_form

    project = world.project
    editor, approver = _client(world.coordinator), _client(world.coordinator2)
    url = reverse("admin:plan_project_change", args=[project.pk])
    totals = {"rounds": rounds, "approved": 0, "edited": 0, "refused": 0, "lost": 0, "errors": 0}
    for number in range(1, rounds + 1):
        summary, name = f"第{number}回の概要", f"鳥獣被害対策事業 (第{number}回)"
        current = Project.objects.get(pk=project.pk)
        change_request = changes.change_request_submit(
            acting_user=world.staff,
            edition=current.edition,
            changes=[ProposedChange.update(current, {"summary": summary})],
            reason="内容の更新",
            title=current.name,
            project=current,
        )
        form = read_form(editor.get(url).content.decode(), "project_form")
        form["name"] = name
        decide_url = reverse("admin:plan_changerequest_decide", args=[change_request.pk])
        decision = {"decision": "approve", "revision": str(change_request.revision)}
        start = threading.Barrier(2)
        statuses: list[int] = []

        def post(client, target, data, start=start, statuses=statuses):
            try:
                start.wait()
                statuses.append(client.post(target, data).status_code)
            except Exception:
                statuses.append(500)
            finally:
                connections.close_all()

        threads = [
            threading.Thread(target=post, args=(approver, decide_url, decision)),
            threading.Thread(target=post, args=(editor, url, form)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        totals["errors"] += sum(status >= 500 for status in statuses)
        final = Project.objects.get(pk=project.pk)
        approved = ChangeRequest.objects.get(pk=change_request.pk).status == "approved"
        edited = ChangeRequest.objects.filter(
            submitted_by=world.coordinator, status="applied", items__proposed__name=name
        ).exists()
        totals["approved"] += approved
        totals["edited"] += edited
        totals["refused"] += (not approved) + (not edited)
        totals["lost"] += (approved and final.summary != summary) + (edited and final.name != name)
        if not approved:
            ChangeRequest.objects.filter(pk=change_request.pk).update(status="withdrawn")
    return totals


def main(rounds: int) -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from tests.world import build_plan_world

    print(json.dumps(race(build_plan_world(), rounds)))


if __name__ == "__main__":
    main(int(sys.argv[1]))
