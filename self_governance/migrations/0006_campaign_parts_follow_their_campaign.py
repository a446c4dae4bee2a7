"""The campaign's parts (standards, contests, entries, rounds, round scores) kept a copy of their
campaign's subdistrict, because Scope followed `subdistrict_path` one step only. Scope now follows
any path (`campaign__subdistrict`, `round__contest__campaign__subdistrict`), so the copies go.

Before a column goes, every row is checked against its parent: a copy that disagrees would mean
the row was scoped to another subdistrict than its campaign's, which must be looked at by a person,
not silently dropped. Going back fills the copies in again from the parents.
"""

import django.db.models.deletion
from django.db import migrations, models

# model name -> the path from the model to its campaign's subdistrict
PARTS = {
    "campaignstandard": "campaign__subdistrict",
    "contest": "campaign__subdistrict",
    "contestentry": "contest__campaign__subdistrict",
    "contestround": "contest__campaign__subdistrict",
    "roundscore": "round__contest__campaign__subdistrict",
}


def check_copies(apps, schema_editor):
    disagreeing = []
    for name, path in PARTS.items():
        model = apps.get_model("self_governance", name)
        rows = model.objects.exclude(subdistrict=models.F(path))
        pks = list(rows.values_list("pk", flat=True)[:10])
        if pks:
            disagreeing.append(f"{model._meta.verbose_name}(id {', '.join(map(str, pks))} …)")
    if disagreeing:
        raise RuntimeError(
            "以下记录的街道与其所属创建活动的街道不一致,请先核对并改正再迁移:"
            + ";".join(disagreeing)
        )


def fill_copies(apps, schema_editor):
    for name, path in PARTS.items():
        model = apps.get_model("self_governance", name)
        for row in model.objects.select_related(path).iterator():
            target = row
            for hop in path.split("__")[:-1]:
                target = getattr(target, hop)
            model.objects.filter(pk=row.pk).update(subdistrict_id=target.subdistrict_id)


def nullable(name):
    return migrations.AlterField(
        model_name=name,
        name="subdistrict",
        field=models.ForeignKey(
            editable=False,
            null=True,
            on_delete=django.db.models.deletion.PROTECT,
            related_name="+",
            to="communities.subdistrict",
            verbose_name="街道",
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0004_search_trigram"),
        ("self_governance", "0005_search_trigram"),
    ]

    operations = [
        *(nullable(name) for name in PARTS),
        migrations.RunPython(check_copies, fill_copies),
        *(migrations.RemoveField(model_name=name, name="subdistrict") for name in PARTS),
    ]
