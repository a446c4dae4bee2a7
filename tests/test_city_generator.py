"""The city-scale generator (bench/citygen.py, driven by bench/city_scale.py) builds valid rows.

The benchmark only means something if what it builds is what the portal could hold: here a tiny
plan is grown on the test database, every generated row passes its model's own validation, the
ledger's trigger kept every balance, and growing again to the same plan adds nothing.
"""

from django.apps import apps

from bench.citygen import PREFIX, Plan, check_ledger, generated_subdistricts, grow

TINY = Plan(
    subdistricts=2,
    communities=2,
    compounds=2,
    groups=2,
    zones=1,
    activities=2,
    participants=3,
    trainings=1,
    schemes=1,
    accounts=4,
    entries=6,
    projects=8,
    organizations=3,
    campaign_groups=3,
)


def test_the_generator_builds_rows_the_models_accept(db):
    counts = grow(TINY, progress=None)
    assert generated_subdistricts() == 2
    assert counts["communities.Community"] == 4
    # two subdistricts of two communities: one scheme each, and a second in every third
    assert counts["self_governance.PointEntry"] == 2 * (2 + 1) * 4 * 6
    assert check_ledger() == {"accounts_off": 0, "monthly_off": 0}
    for label in ("communities", "volunteers", "self_governance", "orgs"):
        for model in apps.get_app_config(label).get_models():
            for obj in model._default_manager.all():
                obj.full_clean()


def test_growing_again_to_the_same_plan_adds_nothing(db):
    grow(TINY, progress=None)
    assert grow(TINY, progress=None) == {}
    community = apps.get_model("communities", "Community")
    assert community.objects.filter(subdistrict__name__startswith=PREFIX).count() == 4
