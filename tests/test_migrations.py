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
}
AFTER = {
    "self_governance": ("self_governance", "0006_campaign_parts_follow_their_campaign"),
    "orgs": ("orgs", "0005_inspections_follow_their_organization"),
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
