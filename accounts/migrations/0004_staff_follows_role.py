"""「スタッフ権限」 follows the role (User.save): turn it on for accounts created before."""

from django.db import migrations


def staff_follows_role(apps, schema_editor):
    apps.get_model("accounts", "User").objects.filter(is_staff=False).update(is_staff=True)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_account_change_record")]

    operations = [migrations.RunPython(staff_follows_role, migrations.RunPython.noop)]
