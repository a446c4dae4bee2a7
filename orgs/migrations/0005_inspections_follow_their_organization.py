"""An annual inspection kept a copy of its organization's subdistrict, because Scope followed
`subdistrict_path` one step only. Scope now follows `organization__subdistrict`, so the copy goes.

Before the column goes, every inspection is checked against its organization: a copy that
disagrees must be looked at by a person. Going back fills the copies in again.
"""

import django.db.models.deletion
from django.db import migrations, models


def check_copies(apps, schema_editor):
    inspection = apps.get_model("orgs", "AnnualInspection")
    pks = list(
        inspection.objects.exclude(subdistrict=models.F("organization__subdistrict")).values_list(
            "pk", flat=True
        )[:10]
    )
    if pks:
        raise RuntimeError(
            "以下年检记录的街道与其社会组织的街道不一致,请先核对并改正再迁移:id "
            + ", ".join(map(str, pks))
        )


def fill_copies(apps, schema_editor):
    inspection = apps.get_model("orgs", "AnnualInspection")
    for row in inspection.objects.select_related("organization").iterator():
        inspection.objects.filter(pk=row.pk).update(subdistrict_id=row.organization.subdistrict_id)


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0004_search_trigram"),
        ("orgs", "0004_search_trigram"),
    ]

    operations = [
        migrations.AlterField(
            model_name="annualinspection",
            name="subdistrict",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="communities.subdistrict",
                verbose_name="所属街道",
            ),
        ),
        migrations.RunPython(check_copies, fill_copies),
        migrations.RemoveField(model_name="annualinspection", name="subdistrict"),
    ]
