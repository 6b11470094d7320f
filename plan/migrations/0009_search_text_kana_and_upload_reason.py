"""Recompute 「search_text」 of every project: it now holds the code and folds katakana into
hiragana (plan.search.search_text_of), so that 「りさいくる」 and 「P022」 find what they should.
And an uploaded workbook keeps the 「変更理由」 typed with it."""

from django.db import migrations, models

from plan.search import search_text_of


def recompute(apps, schema_editor):
    Project = apps.get_model("plan", "Project")
    for project in Project.objects.only("pk", "code", "name", "summary").iterator():
        text = search_text_of(project.code, project.name, project.summary)
        Project.objects.filter(pk=project.pk).update(search_text=text)


class Migration(migrations.Migration):
    dependencies = [
        ("plan", "0008_changeitem_lookup_index"),
    ]

    operations = [
        migrations.RunPython(recompute, migrations.RunPython.noop),
        migrations.AddField(
            model_name="workbookupload",
            name="reason",
            field=models.TextField(blank=True, verbose_name="変更理由"),
        ),
    ]
