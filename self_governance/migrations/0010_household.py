"""Points accounts and pets point to the household (户) or shop, the new leaf of the place tree.

Each account's building group + room (or street zone + shop) becomes a household, read through the
one room reader (`cells.room`: 101室 and 101 are one household). Two accounts of one scheme that
turn out to be the same household are merged: the later one's entries, redemptions and months move
to the first, whose balance takes the sum, so that no entry is lost and a balance still equals the
sum of its entries.
"""

import django.db.models.deletion
from django.db import migrations, models

from jinhai.imports import cells
from self_governance.agreements import triggers


def _room(raw):
    try:
        return cells.room(raw)
    except ValueError:
        # A stored room the reader refuses (one that looks like a date) is kept as it was.
        return cells.name_key(raw)


def _checks_now(schema_editor):
    # PostgreSQL would keep the foreign-key checks of the updates below pending until commit, and
    # refuses the index this migration creates afterwards while they are: check them at once.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def households_from_accounts(apps, schema_editor):
    _checks_now(schema_editor)
    Household = apps.get_model("communities", "Household")
    Account = apps.get_model("self_governance", "Account")
    Pet = apps.get_model("self_governance", "Pet")
    index = {}
    for h in Household.objects.all():
        if h.kind == "shop":
            index[("shop", h.street_zone_id, cells.name_key(h.shop_name))] = h
        else:
            index[("room", h.building_group_id, h.room)] = h
    keepers, merges = {}, []
    accounts = Account.objects.select_related("building_group__compound", "street_zone")
    for account in accounts.order_by("pk"):
        if account.kind == "shop":
            key = ("shop", account.street_zone_id, cells.name_key(account.shop_name))
            fields = {
                "kind": "shop",
                "street_zone_id": account.street_zone_id,
                "shop_name": cells.text(account.shop_name),
                "community_id": account.street_zone.community_id,
            }
        else:
            room = _room(account.room)
            key = ("room", account.building_group_id, room)
            fields = {
                "kind": "household",
                "building_group_id": account.building_group_id,
                "room": room,
                "community_id": account.building_group.compound.community_id,
            }
        household = index.get(key)
        if household is None:
            household = index[key] = Household.objects.create(**fields)
        account.household = household
        account.save(update_fields=["household"])
        keeper = keepers.setdefault((account.scheme_id, household.pk), account)
        if keeper.pk != account.pk:
            merges.append((keeper, account))
    for pet in Pet.objects.select_related("account"):
        pet.household_id = pet.account.household_id
        pet.save(update_fields=["household"])
    for keeper, account in merges:
        _merge(apps, keeper, account)


def _merge(apps, keeper, account):
    PointEntry = apps.get_model("self_governance", "PointEntry")
    Redemption = apps.get_model("self_governance", "Redemption")
    MonthlyPoints = apps.get_model("self_governance", "MonthlyPoints")
    Pet = apps.get_model("self_governance", "Pet")
    PointEntry.objects.filter(account=account).update(account=keeper)
    Redemption.objects.filter(account=account).update(account=keeper)
    Pet.objects.filter(account=account).update(account=keeper)
    for month in MonthlyPoints.objects.filter(account=account):
        kept, _ = MonthlyPoints.objects.get_or_create(
            account=keeper, month=month.month, defaults={"scheme_id": month.scheme_id}
        )
        kept.points += month.points
        kept.save(update_fields=["points"])
        month.delete()
    keeper.balance += account.balance
    keeper.save(update_fields=["balance"])
    account.delete()


def accounts_from_households(apps, schema_editor):
    _checks_now(schema_editor)
    Account = apps.get_model("self_governance", "Account")
    Pet = apps.get_model("self_governance", "Pet")
    for account in Account.objects.select_related("household"):
        h = account.household
        account.kind = h.kind
        account.building_group_id = h.building_group_id
        account.room = h.room
        account.street_zone_id = h.street_zone_id
        account.shop_name = h.shop_name
        account.save()
    for pet in Pet.objects.all():
        pet.account = Account.objects.filter(household_id=pet.household_id).order_by("pk").first()
        pet.save()


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0008_household"),
        ("self_governance", "0009_public_text_validators"),
    ]

    operations = [
        migrations.RunPython(triggers.drop_operation, triggers.ensure_operation),
        migrations.AddField(
            model_name="account",
            name="household",
            field=models.ForeignKey(
                help_text="积分记在哪一户或哪家商铺名下。",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="accounts",
                to="communities.household",
                verbose_name="住户/商铺",
            ),
        ),
        migrations.AddField(
            model_name="pet",
            name="household",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="pets",
                to="communities.household",
                verbose_name="住户",
            ),
        ),
        migrations.AddField(
            model_name="pet",
            name="status",
            field=models.CharField(
                choices=[("pending", "待确认"), ("confirmed", "已确认")],
                default="confirmed",
                help_text="住户自己登记或修改的信息为“待确认”,工作人员核实后确认。",
                max_length=10,
                verbose_name="状态",
            ),
        ),
        migrations.RemoveConstraint(model_name="account", name="one_account_per_household"),
        migrations.RemoveConstraint(model_name="account", name="one_account_per_shop"),
        migrations.RunPython(households_from_accounts, accounts_from_households),
    ]
