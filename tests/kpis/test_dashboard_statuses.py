"""The 「達成状況」 dashboard judged once per state of the database: every status counted and listed
as before (the sample actuals show each one), the rows written as the template wrote them, every
kind of write seen at once, the KPI pages agreeing with it, and a warm page that judges nothing.

Expected figures: the statuses are the ones kpis/samples.py names beside each sample; the counts
and rows were read from the page before it kept anything in the cache."""

import gc
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import Bureau
from kpis.achievement import Status
from kpis.dashboard_statuses import cached, cyclic_collection_paused, database_stamp
from kpis.models import ActualStatus, Kpi, KpiActual, KpiValue, ProjectKpi
from kpis.panels import kpi_panels
from kpis.samples import load_sample_actuals
from plan.changes import ProposedChange, change_propose
from plan.models import Edition, Listing, Measure, ProjectBureau
from tests.admin_forms import client_as

pytestmark = pytest.mark.django_db

URL = reverse("admin:kpis_achievement")


def counts(row) -> dict[str, int]:
    return {status.label: count for status, count in row.cells if count}


def table(response, group: str) -> dict[str, dict[str, int]]:
    rows = next(t for t in response.context["tables"] if t.group == group).rows
    return {row.label: counts(row) for row in rows}


@pytest.fixture
def samples(world):
    load_sample_actuals(Edition.objects.get(fiscal_year=2024))
    return world


def test_with_the_sample_actuals_every_status_is_counted(samples):
    response = client_as(samples.viewer).get(URL + "?year=2024")
    assert counts(response.context["totals"]) == {
        "達成": 5,
        "順調": 7,
        "やや遅れ": 4,
        "遅れ": 3,
        "評価不可": 32,
    }
    assert {label.split()[0]: found for label, found in table(response, "goal").items()} == {
        "政策目標を下支えする取り組み": {"達成": 2, "順調": 2, "評価不可": 12},
        "政策目標I": {"順調": 3, "やや遅れ": 2, "遅れ": 1, "評価不可": 5},
        "政策目標II": {"やや遅れ": 2, "遅れ": 1, "評価不可": 4},
        "政策目標III": {"達成": 3, "順調": 1, "遅れ": 1, "評価不可": 11},
        "政策目標IV": {"順調": 3, "やや遅れ": 1, "評価不可": 2},
    }
    assert table(response, "bureau") == {
        "環境局": {"達成": 3, "順調": 4, "やや遅れ": 3, "遅れ": 3, "評価不可": 17},
        "産業経済局": {"達成": 2, "評価不可": 4},
        "都市整備局": {"評価不可": 7},
        "都市戦略局": {"順調": 1, "評価不可": 3},
        "港湾空港局": {"評価不可": 2},
        "総務市民局": {"順調": 1},
        "教育委員会": {"評価不可": 1},
        "財政・変革局": {"順調": 1},
        "上下水道局": {"順調": 2, "やや遅れ": 1},
    }
    measures = table(response, "measure")
    assert len(measures) == 22
    assert measures["IV-(1) 企業への支援機能の強化"] == {"順調": 3, "やや遅れ": 1, "評価不可": 2}


LINE = "令和12年度の目標への直線の見込みは"


@pytest.mark.parametrize(
    ("status", "rows"),
    [
        (
            "achieved",
            [
                ("K002", "0", "100.0%", "達成", "基準値 0件 以下が目標。実績値 0件。"),
                (
                    "K012",
                    "18,300",
                    "101.7%",
                    "達成",
                    "基準値 (前年度の実績値がないため) 18,000件 以上が目標。実績値 18,300件。",
                ),
                (
                    "K034",
                    "18,500",
                    "102.8%",
                    "達成",
                    "目標値 (基準値が既に水準を満たす) 18,000人 以上が目標。実績値 18,500人。",
                ),
                (
                    "K035",
                    "21",
                    "105.0%",
                    "達成",
                    "毎年の目標値 20ha/年 以上が目標。実績値 21ha/年。",
                ),
                ("K046", "280", "107.1%", "達成", "目標値 300件 以下が目標。実績値 280件。"),
            ],
        ),
        (
            "on_track",
            [
                ("K007", "820", "39.8%", "順調", f"達成度 39.8%、{LINE} 40.0%。"),
                ("K016", "10,900", "20.0%", "順調", f"達成度 20.0%、{LINE} 25.0%。"),
                ("K023", "30", "24.7%", "順調", f"達成度 24.7%、{LINE} 25.0%。"),
                (
                    "K025",
                    "3.30",
                    "97.1%",
                    "順調",
                    "基準値 (目標は維持) 3.4万人/日 以上が目標。実績値 3.3万人/日。",
                ),
                ("K041", "35", "19.9%", "順調", f"達成度 19.9%、{LINE} 14.3%。"),
                (
                    "K049",
                    "90",
                    "12.9%",
                    "順調",
                    f"令和6年度からの累計 90人、達成度 12.9%、{LINE} 14.3%。",
                ),
                (
                    "K051",
                    "6",
                    "14.3%",
                    "順調",
                    f"令和6年度からの累計 6件、達成度 14.3%、{LINE} 14.3%。",
                ),
            ],
        ),
        (
            "slightly_behind",
            [
                ("K017", "1,000", "44.8%", "やや遅れ", f"達成度 44.8%、{LINE} 64.7%。"),
                ("K018", "12", "10.0%", "やや遅れ", f"達成度 10.0%、{LINE} 25.0%。"),
                ("K027", "448", "12.5%", "やや遅れ", f"達成度 12.5%、{LINE} 25.0%。"),
                (
                    "K050",
                    "3",
                    "2.0%",
                    "やや遅れ",
                    f"令和6年度からの累計 3人、達成度 2.0%、{LINE} 14.3%。",
                ),
            ],
        ),
        (
            "behind",
            [
                ("K024", "180", "21.6%", "遅れ", f"達成度 21.6%、{LINE} 64.7%。"),
                ("K029", "165,000", "-8.3%", "遅れ", f"達成度 -8.3%、{LINE} 25.0%。"),
                ("K033", "29.40", "-20.0%", "遅れ", f"達成度 -20.0%、{LINE} 25.0%。"),
            ],
        ),
    ],
)
def test_the_drill_down_lists_each_status_with_its_reasons(samples, status, rows):
    response = client_as(samples.viewer).get(f"{URL}?year=2024&status={status}")
    html = response.content.decode()
    listed = [
        (kpi.code, judged.actual, judged.rate_display, judged.status_label, judged.reason)
        for kpi, judged in response.context["drill"]["rows"]
    ]
    assert [row[0] for row in listed] == [row[0] for row in rows]
    assert [row[2:] for row in listed] == [row[2:] for row in rows]
    for code, actual, *_ in rows:
        assert f'{code}</a></td>\n          <td><a href="' in html
        assert f'<td class="count">{actual}</td>' in html


def test_a_table_row_and_a_drill_down_row_are_written_as_the_template_wrote_them(samples):
    bureau = Bureau.objects.get(name="産業経済局").pk
    page = client_as(samples.sangyo).get(f"{URL}?year=2024&status=behind&group=bureau&key={bureau}")
    html = page.content.decode()
    query = f"?edition={Edition.objects.get().pk}&amp;year=2024"
    scope = f"&amp;group=bureau&amp;key={bureau}"
    assert (
        '<tr class="own-bureau">\n'
        "  <th>産業経済局 (自局)</th>\n"
        "  \n"
        f'  <td class="count"><a href="{query}&amp;status=achieved{scope}#drill-down">2</a></td>\n'
        "  \n"
        '  <td class="count">0</td>\n'
        "  \n"
        '  <td class="count">0</td>\n'
        "  \n"
        '  <td class="count">0</td>\n'
        "  \n"
        f'  <td class="count"><a href="{query}&amp;status=not_assessable{scope}#drill-down">'
        "4</a></td>\n"
        "  \n"
        f'  <td class="count"><a href="{query}{scope}#drill-down">6</a></td>\n'
        '  <td><svg class="status-bar" width="360" height="18" viewBox="0 0 360 18" role="img"'
        ' aria-label="産業経済局の内訳"><rect x="0.0" y="0" width="120.0" height="18"'
        ' fill="#1b7837" stroke="#ffffff" stroke-width="1"><title>達成 2件</title></rect>'
        '<rect x="120.0" y="0" width="240.0" height="18" fill="#9e9e9e" stroke="#ffffff"'
        ' stroke-width="1"><title>評価不可 4件</title></rect></svg></td>\n'
        "</tr>\n"
    ) in html
    assert (
        "<tbody>\n      \n"
        '        <tr><td colspan="6">該当する KPI はありません。</td></tr>\n'
        "      \n      </tbody>"
    ) in html
    k024 = Kpi.objects.get(code="K024").pk
    behind = client_as(samples.viewer).get(f"{URL}?year=2024&status=behind").content.decode()
    assert (
        "<tbody>\n      \n"
        "        <tr>\n"
        f'          <td><a href="/admin/kpis/kpi/{k024}/change/">K024</a></td>\n'
        f'          <td><a href="/admin/kpis/kpi/{k024}/change/">運輸部門のCO₂排出量の削減</a></td>\n'
        '          <td class="count">180</td>\n'
        '          <td class="count">21.6%</td>\n'
        '          <td><span class="status status-behind">遅れ</span></td>\n'
        f"          <td>達成度 21.6%、{LINE} 64.7%。</td>\n"
        "        </tr>\n      \n"
        "        <tr>\n"
    ) in behind


def test_what_people_wrote_is_escaped_in_the_drill_down(samples):
    kpi = Kpi.objects.get(code="K007")
    kpi.indicator = "再エネ <b>&</b> 導入量"
    kpi.save()
    KpiActual.objects.filter(kpi=kpi).update(text='"R&D" <未集計>', value=None, unit="")
    html = client_as(samples.viewer).get(f"{URL}?year=2024&list=1").content.decode()
    assert ">再エネ &lt;b&gt;&amp;&lt;/b&gt; 導入量</a></td>" in html
    assert (
        '<td class="count">—</td>\n'
        '          <td class="count">—</td>\n'
        '          <td><span class="status status-not_assessable">評価不可</span></td>\n'
        "          <td>実績値が文章 (「&quot;R&amp;D&quot; &lt;未集計&gt;」) のため、"
        "担当者の判断が必要です。</td>"
    ) in html


# --- Every kind of write is seen at once ---------------------------------------------------------


def apply(user, *changes: ProposedChange) -> None:
    change_propose(
        acting_user=user,
        edition=Edition.objects.get(),
        changes=list(changes),
        reason="",
        title="テスト",
    )


def enter(code: str, text: str, value: str, unit: str) -> KpiActual:
    return KpiActual.objects.create(
        kpi=Kpi.objects.get(code=code), year=2024, text=text, value=Decimal(value), unit=unit
    )


@pytest.fixture
def four(world):
    """One KPI in each status but 「評価不可」 (as in test_dashboard.py)."""
    enter("K007", "820MW", "820", "MW")  # 順調
    enter("K027", "460g", "460", "g")  # 遅れ
    enter("K035", "18ha", "18", "ha")  # やや遅れ (産業経済局)
    enter("K049", "700人", "700", "人")  # 達成
    return world


def actual_of(code: str) -> KpiActual:
    return KpiActual.objects.get(kpi__code=code)


def entered(world) -> None:
    kpi = Kpi.objects.get(code="K034")
    values = {"kpi_id": kpi.pk, "year": 2024, "text": "18,500人", "value": Decimal("18500")}
    values |= {"unit": "人", "status": ActualStatus.FINAL}
    apply(world.coordinator, ProposedChange.create(KpiActual, values, key="actual"))


def corrected(world) -> None:
    apply(
        world.coordinator,
        ProposedChange.update(actual_of("K027"), {"text": "420g", "value": Decimal("420")}),
    )


def deleted(world) -> None:
    apply(world.coordinator, ProposedChange.delete(actual_of("K027")))


def retargeted(world) -> None:
    target = KpiValue.objects.get(kpi__code="K035", kind="target")
    apply(world.coordinator, ProposedChange.update(target, {"text": "年間18ha", "value": 18}))


def unlinked(world) -> None:
    links = ProjectKpi.objects.filter(kpi__code="K049")
    apply(world.coordinator, *(ProposedChange.delete(link) for link in links))


def moved(world) -> None:
    listing = Listing.objects.filter(project__kpi_links__kpi__code="K035").first()
    other = Measure.objects.exclude(pk=listing.measure_id).get(goal__code="IV", number=4)
    apply(world.coordinator, ProposedChange.update(listing, {"measure_id": other.pk}))


def handed_over(world) -> None:
    link = ProjectBureau.objects.get(project__kpi_links__kpi__code="K035")
    kankyo = Bureau.objects.get(name="環境局")
    apply(world.coordinator, ProposedChange.update(link, {"bureau_id": kankyo.pk}))


def bulk_inserted(world) -> None:
    """Written without history, as ``loaddata`` or a bulk insert would."""
    kpi = Kpi.objects.get(code="K034")
    KpiActual.objects.bulk_create(
        [KpiActual(kpi=kpi, year=2024, text="18,500人", value=Decimal("18500"), unit="人")]
    )


ALL_FOUR = {"達成": 1, "順調": 1, "やや遅れ": 1, "遅れ": 1}


@pytest.mark.parametrize(
    ("write", "totals", "group", "rows"),
    [
        (entered, {**ALL_FOUR, "達成": 2, "評価不可": 46}, None, None),
        (corrected, {**ALL_FOUR, "達成": 2, "遅れ": 0, "評価不可": 47}, None, None),
        (deleted, {**ALL_FOUR, "遅れ": 0, "評価不可": 48}, None, None),
        (retargeted, {**ALL_FOUR, "達成": 2, "やや遅れ": 0, "評価不可": 47}, None, None),
        (unlinked, {**ALL_FOUR, "評価不可": 47}, "goal", {"政策目標IV": {"評価不可": 5}}),
        (
            moved,
            {**ALL_FOUR, "評価不可": 47},
            "measure",
            {"IV-(4) 戦略的な広報の推進": {"やや遅れ": 1, "評価不可": 3}},
        ),
        (
            handed_over,
            {**ALL_FOUR, "評価不可": 47},
            "bureau",
            {
                "産業経済局": {"評価不可": 5},
                "環境局": {"順調": 1, "やや遅れ": 1, "遅れ": 1, "評価不可": 28},
            },
        ),
        (bulk_inserted, {**ALL_FOUR, "達成": 2, "評価不可": 46}, None, None),
    ],
)
def test_every_kind_of_write_shows_at_the_next_request(four, write, totals, group, rows):
    client = client_as(four.viewer)
    before = client.get(URL + "?year=2024")
    assert counts(before.context["totals"]) == {**ALL_FOUR, "評価不可": 47}
    write(four)
    after = client.get(URL + "?year=2024")
    assert counts(after.context["totals"]) == {k: v for k, v in totals.items() if v}
    if group:
        shown = {
            label.split()[0] if group == "goal" else label: found
            for label, found in table(after, group).items()
        }
        assert {label: shown.get(label) for label in rows} == rows


# --- The KPI pages agree; a warm page judges nothing ---------------------------------------------


def test_the_kpi_pages_show_the_statuses_the_dashboard_counts(world):
    """The KPI and project pages judge each year of a KPI's series (``kpi_panels``); the dashboard
    judges every KPI for one year from the actuals up to it. Both say the same for every year."""
    for code, year, text, value, unit in (
        ("K027", 2024, "448g", "448", "g"),
        ("K027", 2025, "430g", "430", "g"),
        ("K049", 2024, "90人", "90", "人"),
        ("K049", 2025, "20人", "20", "人"),
    ):
        KpiActual.objects.create(
            kpi=Kpi.objects.get(code=code), year=year, text=text, value=Decimal(value), unit=unit
        )
    panels = kpi_panels(Kpi.objects.filter(code__in=["K027", "K049"]).order_by("code"))
    on_the_pages = {
        (panel.code, row.year): row.achievement.status_label
        for panel in panels
        for row in panel.rows
    }
    client = client_as(world.viewer)
    on_the_dashboard = {}
    for year, label in ((2024, "令和6年度 (2024)"), (2025, "令和7年度 (2025)")):
        response = client.get(f"{URL}?year={year}&list=1")
        for kpi, judged in response.context["drill"]["rows"]:
            if kpi.code in ("K027", "K049"):
                on_the_dashboard[(kpi.code, label)] = judged.status_label
    assert (
        on_the_pages
        == on_the_dashboard
        == {
            ("K027", "令和6年度 (2024)"): "やや遅れ",
            ("K027", "令和7年度 (2025)"): "順調",
            ("K049", "令和6年度 (2024)"): "順調",
            ("K049", "令和7年度 (2025)"): "やや遅れ",
        }
    )


def without_token(html: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", html)


@pytest.mark.parametrize("query", ["year=2024", "year=2024&status=on_track", "year=2024&list=1"])
def test_a_warm_page_reads_the_cache_and_shows_the_same(four, query, django_assert_max_num_queries):
    client = client_as(four.sangyo)
    with django_assert_max_num_queries(17):
        cold = without_token(client.get(f"{URL}?{query}").content)
    # The session, the user, the editions, the stamp, the goals, measures and bureaus, the
    # user's bureaus, and the session's save (three): nothing judged, nothing about the KPIs.
    with django_assert_max_num_queries(11):
        warm = without_token(client.get(f"{URL}?{query}").content)
    assert warm == cold


def test_the_first_actual_of_a_new_year_makes_it_the_year_shown(four):
    client = client_as(four.viewer)
    assert client.get(URL).context["year"] == 2024
    apply(
        four.coordinator,
        ProposedChange.update(actual_of("K027"), {"year": 2025}),
    )
    assert client.get(URL).context["year"] == 2025


def test_a_stamp_moves_with_each_write_and_not_without(four):
    first = database_stamp()
    assert database_stamp() == first
    client_as(four.viewer).get(URL + "?year=2024")
    assert database_stamp() == first  # reading writes nothing the stamp covers
    entered(four)
    assert database_stamp() not in (None, first)


def test_while_another_transaction_writes_nothing_is_kept(four):
    """On PostgreSQL a transaction may commit a smaller history id after a larger one; while one
    is writing, the page is judged and not kept."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes one transaction at a time")
    import psycopg

    settings = connection.settings_dict
    other = psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        host=settings["HOST"],
        port=settings["PORT"],
    )
    try:
        other.execute("UPDATE kpis_kpiactual SET text = text WHERE false")
        assert database_stamp() is None
        judged = []
        assert cached("test", None, lambda: judged.append(1) or "now") == "now"
        assert cached("test", None, lambda: judged.append(2) or "again") == "again"
        assert judged == [1, 2]
    finally:
        other.rollback()
        other.close()
    assert database_stamp() is not None


@pytest.mark.parametrize("running", [True, False])
def test_the_collector_is_paused_while_judging_and_left_as_it_was(running):
    was = gc.isenabled()
    (gc.enable if running else gc.disable)()
    try:
        with cyclic_collection_paused():
            assert not gc.isenabled()
        assert gc.isenabled() is running
    finally:
        (gc.enable if was else gc.disable)()


def test_status_values_are_what_the_drill_down_links_use():
    assert [status.value for status in Status] == [
        "achieved",
        "on_track",
        "slightly_behind",
        "behind",
        "not_assessable",
    ]


def test_a_stamp_reads_each_models_own_history_table_and_is_written_once():
    from kpis.dashboard_statuses import STAMPED
    from plan.db_stamp import _stamp_query

    _stamp_query.cache_clear()
    _sql, tables = _stamp_query(STAMPED, (), "sqlite")
    assert tables == (
        *("plan_historicalplan", "plan_plan", "plan_historicaledition", "plan_edition"),
        *("plan_historicalpolicygoal", "plan_policygoal", "plan_historicalmeasure", "plan_measure"),
        *("plan_historicallisting", "plan_listing"),
        *("plan_historicalprojectbureau", "plan_projectbureau"),
        *("kpis_historicalkpi", "kpis_kpi", "kpis_historicalkpivalue", "kpis_kpivalue"),
        *("kpis_historicalkpiactual", "kpis_kpiactual"),
        *("kpis_historicalprojectkpi", "kpis_projectkpi"),
    )
    _stamp_query(STAMPED, (), "sqlite")
    assert _stamp_query.cache_info().misses == 1  # the SQL is written once per process
