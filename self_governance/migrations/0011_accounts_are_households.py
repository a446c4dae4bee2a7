"""Second half of 0008: the account's own copy of the place goes, the household stays (a
migration of its own, as PostgreSQL refuses to alter a table with the first half's updates still
pending in the same transaction)."""

import django.db.models.deletion
from django.db import migrations, models

from self_governance.agreements import triggers


class Migration(migrations.Migration):
    dependencies = [("self_governance", "0010_household")]

    operations = [
        migrations.AlterModelOptions(
            name="account",
            options={
                "ordering": ["scheme", "household"],
                "verbose_name": "积分账户",
                "verbose_name_plural": "积分账户",
            },
        ),
        migrations.AlterModelOptions(
            name="pet",
            options={
                "ordering": ["household", "name"],
                "verbose_name": "宠物",
                "verbose_name_plural": "宠物",
            },
        ),
        migrations.RemoveConstraint(model_name="account", name="account_is_household_or_shop"),
        migrations.RemoveField(model_name="account", name="building_group"),
        migrations.RemoveField(model_name="account", name="kind"),
        migrations.RemoveField(model_name="account", name="room"),
        migrations.RemoveField(model_name="account", name="shop_name"),
        migrations.RemoveField(model_name="account", name="street_zone"),
        migrations.RemoveField(model_name="pet", name="account"),
        migrations.AlterField(
            model_name="account",
            name="household",
            field=models.ForeignKey(
                help_text="积分记在哪一户或哪家商铺名下。",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="accounts",
                to="communities.household",
                verbose_name="住户/商铺",
            ),
        ),
        migrations.AlterField(
            model_name="pet",
            name="household",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="pets",
                to="communities.household",
                verbose_name="住户",
            ),
        ),
        migrations.AddConstraint(
            model_name="account",
            constraint=models.UniqueConstraint(
                fields=("scheme", "household"),
                name="one_account_per_household_in_scheme",
                violation_error_message="该住户(商铺)在本约定中已有账户。",
            ),
        ),
        migrations.RunPython(triggers.ensure_operation, triggers.drop_operation),
    ]
