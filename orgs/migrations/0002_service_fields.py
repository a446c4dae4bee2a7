from django.db import migrations

# The fields the social-organization service centre files organizations under; staff may add
# more in the admin. "其他" stays last.
FIELDS = ["养老", "助残", "青少年", "社区治理", "文化", "公益慈善", "法律服务", "卫生健康", "其他"]


def create_fields(apps, schema_editor):
    ServiceField = apps.get_model("orgs", "ServiceField")
    for order, name in enumerate(FIELDS, start=1):
        ServiceField.objects.get_or_create(
            name=name, defaults={"sort_order": 99 if name == "其他" else order}
        )


class Migration(migrations.Migration):
    dependencies = [("orgs", "0001_initial")]

    operations = [migrations.RunPython(create_fields, migrations.RunPython.noop)]
