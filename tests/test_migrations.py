"""Migrations that drop a copied column check every row against its parent first.

Each test migrates the apps back to before the drop, plants rows through the historical models,
migrates forward and looks; it then leaves the database at the latest migrations again.
"""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = {
    "self_governance": ("self_governance", "0005_search_trigram"),
    "orgs": ("orgs", "0004_search_trigram"),
    "households": ("self_governance", "0009_public_text_validators"),
}
AFTER = {
    "self_governance": ("self_governance", "0006_campaign_parts_follow_their_campaign"),
    "orgs": ("orgs", "0005_inspections_follow_their_organization"),
    "households": ("self_governance", "0011_accounts_are_households"),
}


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


def _latest():
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture
def back_to(transactional_db):
    def _back_to(app):
        return _migrate(BEFORE[app])

    yield _back_to
    _latest()


def _places(apps):
    subdistrict = apps.get_model("communities", "Subdistrict")
    community = apps.get_model("communities", "Community")
    jinhai = subdistrict.objects.create(name="金海街道")
    other = subdistrict.objects.create(name="西渡街道")
    return jinhai, other, community.objects.create(subdistrict=jinhai, name="正学社区")


def test_campaign_parts_whose_copy_disagrees_stop_the_migration(back_to):
    apps = back_to("self_governance")
    jinhai, other, _ = _places(apps)
    campaign = apps.get_model("self_governance", "Campaign").objects.create(
        subdistrict=jinhai, year=2022, name="“和美楼组”创建"
    )
    standard_model = apps.get_model("self_governance", "CampaignStandard")
    standard = standard_model.objects.create(
        campaign=campaign, subdistrict=other, name="清堆物", max_score=15
    )
    with pytest.raises(RuntimeError, match=f"创建标准项\\(id {standard.pk}"):
        _migrate(AFTER["self_governance"])
    # Nothing was dropped: the column is still there, the row unchanged.
    assert standard_model.objects.get(pk=standard.pk).subdistrict_id == other.pk

    standard_model.objects.filter(pk=standard.pk).update(subdistrict=jinhai)
    apps = _migrate(AFTER["self_governance"])
    migrated = apps.get_model("self_governance", "CampaignStandard")
    assert "subdistrict" not in {f.name for f in migrated._meta.get_fields()}
    assert migrated.objects.get(pk=standard.pk).campaign.subdistrict_id == jinhai.pk

    # Going back fills the copies in from the campaigns.
    apps = _migrate(BEFORE["self_governance"])
    restored = apps.get_model("self_governance", "CampaignStandard")
    assert restored.objects.get(pk=standard.pk).subdistrict_id == jinhai.pk


def test_inspections_whose_copy_disagrees_stop_the_migration(back_to):
    apps = back_to("orgs")
    jinhai, other, _ = _places(apps)
    organization = apps.get_model("orgs", "SocialOrganization").objects.create(
        subdistrict=jinhai,
        name="金海社区服务中心",
        credit_code="52310120MJ0000000X",
        kind="service",
    )
    inspection_model = apps.get_model("orgs", "AnnualInspection")
    inspection = inspection_model.objects.create(
        organization=organization, subdistrict=other, year=2021, result="passed"
    )
    with pytest.raises(RuntimeError, match=f"id {inspection.pk}"):
        _migrate(AFTER["orgs"])

    inspection_model.objects.filter(pk=inspection.pk).update(subdistrict=jinhai)
    apps = _migrate(AFTER["orgs"])
    migrated = apps.get_model("orgs", "AnnualInspection")
    assert "subdistrict" not in {f.name for f in migrated._meta.get_fields()}
    apps = _migrate(BEFORE["orgs"])
    assert apps.get_model("orgs", "AnnualInspection").objects.get(
        pk=inspection.pk
    ).subdistrict_id == (jinhai.pk)


def _ledger_of(apps, account_ids):
    entry = apps.get_model("self_governance", "PointEntry")
    account = apps.get_model("self_governance", "Account")
    return {
        a.pk: (
            a.balance,
            sorted(
                entry.objects.filter(account=a).values_list("pk", "kind", "points", "date", "note")
            ),
        )
        for a in account.objects.filter(pk__in=account_ids)
    }


def test_accounts_become_households_without_losing_an_entry(back_to):
    import datetime

    apps = back_to("households")
    _, _, community = _places(apps)
    compound = apps.get_model("communities", "Compound").objects.create(
        community=community, name="金水苑"
    )
    group = apps.get_model("communities", "BuildingGroup").objects.create(
        compound=compound, name="12号楼"
    )
    zone = apps.get_model("communities", "StreetZone").objects.create(
        community=community, name="金海路沿街商铺"
    )
    scheme_model = apps.get_model("self_governance", "AgreementScheme")
    general, pets = (
        scheme_model.objects.create(
            community=community, name=name, kind="general", text="-",
            start=datetime.date(2022, 1, 1), status="active",
        )
        for name in ("金水苑美丽约定", "文明养宠约定")
    )  # fmt: skip
    rule_model = apps.get_model("self_governance", "Rule")
    account_model = apps.get_model("self_governance", "Account")
    entry_model = apps.get_model("self_governance", "PointEntry")
    accounts = [
        account_model.objects.create(
            scheme=general, kind="household", building_group=group, room="101"
        ),
        # The same household under a spelling of its own room: merged into the first.
        account_model.objects.create(
            scheme=general, kind="household", building_group=group, room="101室"
        ),
        # The same household in a second scheme: one household, two accounts.
        account_model.objects.create(
            scheme=pets, kind="household", building_group=group, room="１０１"
        ),
        account_model.objects.create(
            scheme=general, kind="household", building_group=group, room="302"
        ),
        account_model.objects.create(
            scheme=general, kind="shop", street_zone=zone, shop_name="金海便利店"
        ),
    ]
    apps.get_model("self_governance", "Pet").objects.create(
        account=accounts[2], name="豆豆", kind="dog"
    )
    for scheme in (general, pets):
        rule = rule_model.objects.create(scheme=scheme, code="G01", description="分类", points=3)
        for n, account in enumerate(a for a in accounts if a.scheme_id == scheme.pk):
            for day in range(1, n + 3):
                entry_model.objects.create(
                    account=account, rule=rule, kind="award", points=3,
                    date=datetime.date(2022, 9, day), note=f"第{day}次",
                )  # fmt: skip
    ids = [a.pk for a in accounts]
    before = _ledger_of(apps, ids)
    assert before[ids[1]][0] == 9  # the trigger moved the balances

    apps = _migrate(AFTER["households"])
    after = _ledger_of(apps, ids)
    household = apps.get_model("communities", "Household")
    assert household.objects.count() == 3  # 101, 302 and the shop
    assert set(after) == {ids[0], ids[2], ids[3], ids[4]}
    kept = before[ids[0]][1] + before[ids[1]][1]
    assert after[ids[0]] == (before[ids[0]][0] + before[ids[1]][0], sorted(kept))
    for pk in ids[2:]:
        assert after[pk] == before[pk]
    for balance, entries in after.values():
        assert balance == sum(e[2] for e in entries)
    migrated = apps.get_model("self_governance", "Account")
    room = migrated.objects.get(pk=ids[0]).household
    assert (room.room, room.building_group_id, room.community_id) == ("101", group.pk, community.pk)
    assert migrated.objects.get(pk=ids[2]).household_id == room.pk
    assert apps.get_model("self_governance", "Pet").objects.get().household_id == room.pk
    months = apps.get_model("self_governance", "MonthlyPoints").objects.get(account_id=ids[0])
    assert months.points == before[ids[0]][0] + before[ids[1]][0]
