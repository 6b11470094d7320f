"""Sample FY2024 actuals for the demonstration (``setup_demo --with-sample-actuals``): invented
figures, each noted 「サンプル」, chosen so that the 「達成状況」 dashboard shows every status.

They are never loaded unless asked for: the published edition has no actuals.
"""

from django.db import transaction

from kpis.models import ActualStatus, Kpi, KpiActual
from kpis.value_text import value_parts

SAMPLE_YEAR = 2024
SAMPLE_NOTE = "サンプル (デモ用の架空の値。公表された実績ではありません)"

#: (KPI code, the actual as reported, 確定値?) — the status each is expected to get in the comment.
SAMPLE_ACTUALS: tuple[tuple[str, str, bool], ...] = (
    ("K002", "0件", True),  # 達成 (事故0件の維持)
    ("K005", "清掃活動を継続して実施", True),  # 評価不可 (目標が文章)
    ("K007", "820MW", False),  # 順調
    ("K012", "18,300件", True),  # 達成 (前年度並み: 基準値と比べる)
    ("K016", "10,900人", True),  # 順調
    ("K017", "1,000万t", False),  # やや遅れ
    ("K018", "12億円/年", False),  # やや遅れ
    ("K023", "30%", True),  # 順調
    ("K024", "180万t", False),  # 遅れ
    ("K025", "約3.3万人/日", True),  # 順調 (維持)
    ("K027", "448g", False),  # やや遅れ
    ("K029", "165,000t", False),  # 遅れ
    ("K033", "29.4%", True),  # 遅れ
    ("K034", "18,500人", True),  # 達成
    ("K035", "21ha", True),  # 達成
    ("K041", "35.0%", True),  # 順調
    ("K046", "280件", True),  # 達成
    ("K049", "90人", True),  # 順調 (累計)
    ("K050", "3人", True),  # やや遅れ (累計)
    ("K051", "6件", True),  # 順調 (累計)
)


@transaction.atomic
def load_sample_actuals(edition) -> int:
    """Add the sample actuals to ``edition``'s KPIs (those absent only); returns how many."""
    kpis = {kpi.code: kpi for kpi in Kpi.objects.filter(edition=edition)}
    existing = set(
        KpiActual.objects.filter(kpi__edition=edition, year=SAMPLE_YEAR).values_list(
            "kpi__code", flat=True
        )
    )
    added = 0
    for code, text, final in SAMPLE_ACTUALS:
        if code in existing or code not in kpis:
            continue
        KpiActual.objects.create(
            kpi=kpis[code],
            year=SAMPLE_YEAR,
            text=text,
            **value_parts(text),
            status=ActualStatus.FINAL if final else ActualStatus.PRELIMINARY,
            note=SAMPLE_NOTE,
        )
        added += 1
    return added
