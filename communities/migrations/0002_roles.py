from django.db import migrations

ROLES = [("secretary", 1), ("director", 2), ("deputy", 3), ("member", 4)]


def create_roles(apps, schema_editor):
    Role = apps.get_model("communities", "Role")
    for code, rank in ROLES:
        Role.objects.update_or_create(code=code, defaults={"rank": rank})


class Migration(migrations.Migration):
    dependencies = [("communities", "0001_initial")]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
