"""Sample files for the workbook tests, built in the tests (nothing binary is committed).

- ``edit_workbook``: open an exported workbook with openpyxl, let a test change cells, save it again.
- ``ole2_container``: a minimal but well-formed OLE2 compound file (the container of old .xls
  workbooks and of password-protected xlsx workbooks) with the given stream names.
- ``small_edition``: an edition built with the factories, for tests that need their own texts.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable

from openpyxl import Workbook, load_workbook

from accounts.models import Bureau
from kpis.models import Kpi, KpiValue, ProjectKpi
from plan.models import Edition, Listing, Measure, PolicyGoal, Project, ProjectBureau
from tests.factories import EditionFactory, PlanFactory

LISTING_HEADERS = [
    "事業コード",
    "政策目標",
    "基本施策",
    "No",
    "所管局",
    "事業/取組名",
    "概要",
    "事業目標",
    "基準値(年度)",
    "目標値",
]


def edit_workbook(data: bytes, edit: Callable[[Workbook], None]) -> bytes:
    workbook = load_workbook(io.BytesIO(data))
    edit(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def column_of(sheet, header: str) -> int:
    """1-based column number of a header in row 1."""
    for cell in sheet[1]:
        if cell.value == header:
            return cell.column
    raise KeyError(header)


# OLE2 compound file -------------------------------------------------------------------------

_ENDOFCHAIN = 0xFFFFFFFE
_FREESECT = 0xFFFFFFFF
_FATSECT = 0xFFFFFFFD
_NOSTREAM = 0xFFFFFFFF
_STREAM_SECTORS = 8  # 4096 bytes: at the mini-stream cutoff, so streams live in normal sectors


def _directory_entry(
    name: str, kind: int, *, child: int = _NOSTREAM, right: int = _NOSTREAM, start: int, size: int
) -> bytes:
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        encoded.ljust(64, b"\0"),
        len(encoded),
        kind,
        1,  # black
        _NOSTREAM,
        right,
        child,
        b"\0" * 16,
        0,
        0,
        0,
        start,
        size,
    )


def ole2_container(stream_names: list[str]) -> bytes:
    """Version-3 compound file: header, one FAT sector, one directory sector, 4 KB per stream."""
    assert 1 <= len(stream_names) <= 3
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\0" * 16,
        0x003E,
        0x0003,
        0xFFFE,
        9,
        6,
        b"\0" * 6,
        0,  # directory sectors (always 0 in version 3)
        1,  # FAT sectors
        1,  # first directory sector
        0,
        4096,  # mini stream cutoff
        _ENDOFCHAIN,
        0,
        _ENDOFCHAIN,
        0,
    ) + struct.pack("<109I", 0, *([_FREESECT] * 108))
    fat = [_FATSECT, _ENDOFCHAIN]
    entries = [_directory_entry("Root Entry", 5, child=1, start=_ENDOFCHAIN, size=0)]
    streams = b""
    for index, name in enumerate(stream_names, start=1):
        start = len(fat)
        fat += [*range(start + 1, start + _STREAM_SECTORS), _ENDOFCHAIN]
        right = index + 1 if index < len(stream_names) else _NOSTREAM
        entries.append(_directory_entry(name, 2, right=right, start=start, size=4096))
        streams += bytes([index]) * 4096
    while len(entries) < 4:
        entries.append(_directory_entry("", 0, start=0, size=0))
    fat += [_FREESECT] * (128 - len(fat))
    return header + struct.pack("<128I", *fat) + b"".join(entries) + streams


# A small edition of our own -----------------------------------------------------------------


def small_edition(project_count: int, *, fiscal_year: int = 2030) -> Edition:
    """An edition with one goal, two measures and ``project_count`` projects, each with a bureau,
    one listing (every third project a second one), and a KPI with a baseline and a target."""
    edition = EditionFactory(plan=PlanFactory(), fiscal_year=fiscal_year)
    goal = PolicyGoal.objects.create(
        edition=edition, code="I", title="脱炭素(カーボンニュートラル)社会の実現", display_order=1
    )
    first = Measure.objects.create(goal=goal, number=1, title="エネルギーの脱炭素化")
    second = Measure.objects.create(goal=goal, number=2, title="イノベーションの推進")
    bureau, _ = Bureau.objects.get_or_create(name="環境局", defaults={"display_order": 1})
    projects = Project.objects.bulk_create(
        Project(edition=edition, code=f"S{n:04d}", name=f"試験事業{n}", summary=f"概要{n}")
        for n in range(1, project_count + 1)
    )
    ProjectBureau.objects.bulk_create(
        ProjectBureau(project=project, bureau=bureau, position=1) for project in projects
    )
    listings = [
        Listing(measure=first, project=project, number=n)
        for n, project in enumerate(projects, start=1)
    ]
    listings += [
        Listing(measure=second, project=project, number=n)
        for n, project in enumerate(projects[::3], start=1)
    ]
    Listing.objects.bulk_create(listings)
    kpis = Kpi.objects.bulk_create(
        Kpi(edition=edition, code=f"SK{n:04d}", indicator=f"指標{n}")
        for n in range(1, project_count + 1)
    )
    KpiValue.objects.bulk_create(
        value
        for kpi in kpis
        for value in (
            KpiValue(
                kpi=kpi,
                kind="baseline",
                text="10件 (R4年度)",
                value=10,
                unit="件",
                fiscal_year=2022,
                period="fiscal_year",
            ),
            KpiValue(
                kpi=kpi,
                kind="target",
                text="20件 (R12年度)",
                value=20,
                unit="件",
                fiscal_year=2030,
                period="fiscal_year",
            ),
        )
    )
    ProjectKpi.objects.bulk_create(
        ProjectKpi(project=project, kpi=kpi, position=1)
        for project, kpi in zip(projects, kpis, strict=True)
    )
    return edition
