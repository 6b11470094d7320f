"""Recompute 「search_text」 of every KPI: it now holds the KPI code and folds katakana into
hiragana (plan.search.search_text_of)."""

from django.db import migrations

from plan.search import search_text_of


def recompute(apps, schema_editor):
    Kpi = apps.get_model("kpis", "Kpi")
    for kpi in Kpi.objects.only("pk", "code", "indicator").iterator():
        Kpi.objects.filter(pk=kpi.pk).update(search_text=search_text_of(kpi.code, kpi.indicator))


class Migration(migrations.Migration):
    dependencies = [
        ("kpis", "0006_kpi_predecessor"),
    ]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
