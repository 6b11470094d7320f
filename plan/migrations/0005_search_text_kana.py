"""Recompute 「search_text」 of every project: it now holds the code and folds katakana into
hiragana (plan.search.search_text_of), so that 「りさいくる」 and 「P022」 find what they should."""

from django.db import migrations

from plan.search import search_text_of


def recompute(apps, schema_editor):
    Project = apps.get_model("plan", "Project")
    for project in Project.objects.only("pk", "code", "name", "summary").iterator():
        text = search_text_of(project.code, project.name, project.summary)
        Project.objects.filter(pk=project.pk).update(search_text=text)


class Migration(migrations.Migration):
    dependencies = [
        ("plan", "0004_cell_text_limit_and_request_revision"),
    ]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
