"""The 下見 of a 「実績値」 sheet remembered for its confirmation (in the same process).

The confirmation of a sheet would compare every row with the series again, as its 下見 did. When
the 下見 ran in this process, found no error and proposed changes, what it found is remembered here
(``RememberedPreview``), under the digest the confirmation carries, the person and the edition.
The confirmation takes it (once: it is forgotten when taken) and uses it only if nothing the row
pass reads has changed since:

- the rows of the sheet (their fingerprint: the same file gives the same rows);
- the edition's KPIs by code;
- the series' actuals of the sheet's years, every field (a change in between is still found: the
  confirmation then compares every row again and refuses with ``MSG_STALE``);
- the policy's answer for every row's KPI and actual (asked again, as the row pass asks it).

Anything else (another person, another edition, another process, an entry forgotten) compares
every row again: the outcome, the records written and the errors are the same either way, only
the time differs. At most ``REMEMBERED`` previews are kept (the last ones).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from accounts import permissions
from kpis.models import Kpi, KpiActual

#: Previews kept (each holds its rows' results and proposed changes).
REMEMBERED = 4
#: The fields of an actual compared between the 下見 and its confirmation (all of them).
ACTUAL_FIELDS = tuple(field.attname for field in KpiActual._meta.concrete_fields)


@dataclass(frozen=True)
class RememberedPreview:
    """What a 下見 found, and what it was found from."""

    digest: str
    user_pk: Any
    edition_pk: Any
    fingerprint: str
    #: The edition's KPIs, code → pk.
    kpis: dict[str, Any]
    #: The sheet's years, and the series' actuals of those years: (KPI code, every field), sorted.
    years: frozenset[int]
    series: list[tuple]
    #: (KPI, actual or None) of every row the policy was asked about.
    asked: tuple[tuple[Any, Any], ...]
    #: Every row's result, in the sheet's order (skipped rows too).
    row_results: tuple
    changes: tuple


_PREVIEWS: OrderedDict[tuple, RememberedPreview] = OrderedDict()
_LOCK = threading.Lock()


def fingerprint(headers: Iterable, rows: Iterable[Iterable]) -> str:
    """The rows of a dataset as a digest (their values and types)."""
    described = repr((tuple(headers), tuple(tuple(row) for row in rows)))
    return hashlib.sha256(described.encode()).hexdigest()


def unchanged_since(preview: RememberedPreview, *, edition, acting_user, series, dataset) -> bool:
    """Whether the row pass would find what the 下見 found: the same rows, the edition's KPIs,
    the series' actuals of the sheet's years (``series``: the resource's queryset) and the
    policy's answers. Three queries (four for bureau staff), whatever the rows."""
    if len(dataset) != len(preview.row_results):
        return False
    if fingerprint(dataset.headers or (), dataset) != preview.fingerprint:
        return False
    if dict(Kpi.objects.filter(edition=edition).values_list("code", "pk")) != preview.kpis:
        return False
    loaded = series.filter(year__in=preview.years).values_list("kpi__code", *ACTUAL_FIELDS)
    if sorted(loaded) != preview.series:
        return False
    may_enter = permissions.ActualEntry(acting_user)
    return all(may_enter(kpi, original) for kpi, original in preview.asked)


def remember(preview: RememberedPreview) -> None:
    key = (preview.digest, preview.user_pk, preview.edition_pk)
    with _LOCK:
        _PREVIEWS[key] = preview
        _PREVIEWS.move_to_end(key)
        while len(_PREVIEWS) > REMEMBERED:
            _PREVIEWS.popitem(last=False)


def take(digest: str, user_pk: Any, edition_pk: Any) -> RememberedPreview | None:
    """The preview remembered under these, forgotten as it is taken (a confirmation uses it once)."""
    if not digest:
        return None
    with _LOCK:
        return _PREVIEWS.pop((digest, user_pk, edition_pk), None)


def forget_previews() -> None:
    """Forget every preview (benchmarks measure a confirmation in another process)."""
    with _LOCK:
        _PREVIEWS.clear()
