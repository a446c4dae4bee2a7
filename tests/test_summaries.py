"""数据公开统计 (jinhai.summaries): the public figures are the per-subdistrict summaries, equal to
counting the rows, made stale by a save and made fresh by the queued refresh."""

import dataclasses
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from communities.models import Community, Subdistrict
from jinhai import summaries
from jinhai.figures import Years, charts_from, facts_for, portal_charts
from jinhai.models import FigureSummary
from jinhai.scoping import Scope

from .factories import BuildingGroupFactory, FundAllocationFactory
from .jobs import run_queued_jobs

FIGURES = reverse("figures")


def drawn(charts):
    return [(c.key, c.title, c.labels, c.rows, c.spec) for c in charts]


def counted(scope, **asked):
    years = Years.pick(scope, **asked)
    return drawn(portal_charts(scope, years))


def summed(**asked):
    found = summaries.read(**asked)
    return drawn(charts_from(found.facts, found.years))


def counted_city(**asked):
    """The city's charts counted from the rows, a row per subdistrict as the page shows them."""
    scope = Scope(everything=True)
    years = Years.pick(scope, **asked)
    facts = facts_for(scope, years)
    place = dict(Community.objects.values_list("pk", "subdistrict_id"))
    rows = [{**row, "subdistrict_id": place[row["pk"]]} for row in facts.communities]
    names = dict(Subdistrict.objects.order_by("pk").values_list("pk", "name"))
    grouped = summaries.per_subdistrict(dataclasses.replace(facts, communities=rows), names)
    return drawn(charts_from(grouped, years))


@pytest.mark.django_db(transaction=False)
def test_summaries_equal_counting_the_rows_on_the_demo():
    call_command("load_demo", stdout=io.StringIO())
    call_command("refresh_figures", stdout=io.StringIO())

    assert summed() == counted(Scope(everything=True))
    for year in (2021, 2022, 2023):
        assert summed(fund=year, inspection=year) == counted(
            Scope(everything=True), fund=year, inspection=year
        )
    for pk in FigureSummary.objects.values_list("subdistrict", flat=True).distinct():
        assert summed(subdistrict_id=pk) == counted(Scope(subdistrict_id=pk))


def test_summaries_equal_counting_the_rows_in_the_world(world):
    FundAllocationFactory(community=world.b.community, year=2021)

    assert summed() == counted(Scope(everything=True))  # counted at once: none existed yet
    assert summed(fund=2021) == counted(Scope(everything=True), fund=2021)
    assert summed(subdistrict_id=world.subdistrict.pk) == counted(
        Scope(subdistrict_id=world.subdistrict.pk)
    )


def test_past_city_rows_communities_the_city_has_a_row_per_subdistrict(world, monkeypatch):
    monkeypatch.setattr(summaries, "CITY_ROWS", 2)  # the world has three communities
    FundAllocationFactory(community=world.elsewhere.community, year=2022)
    assert summed() == counted_city()
    city = {key: rows for key, _, _, rows, _ in summed()}
    places = [world.subdistrict, world.other_subdistrict]

    assert [row[0] for row in city["leader-coverage"]] == [s.name for s in places]
    assert [row[0] for row in city["fund"]] == [s.name for s in places]
    for chart in ("leader-coverage", "fund"):
        for row, place in zip(city[chart], places, strict=True):
            ones = {k: r for k, _, _, r, _ in summed(subdistrict_id=place.pk)}[chart]
            # Every column of a subdistrict's row is the sum of its communities' rows.
            assert row[1:] == [sum(column) for column in list(zip(*ones, strict=True))[1:]]
    # The monthly series are the city's whatever the rows.
    assert city["service-hours"] == counted(Scope(everything=True))[2][3]


def test_a_save_makes_its_subdistricts_summary_stale_until_the_refresh(world, client):
    call_command("refresh_figures", stdout=io.StringIO())
    assert summaries.read().fresh

    BuildingGroupFactory(compound=world.a.compound, name="2号楼")
    assert not summaries.read(subdistrict_id=world.subdistrict.pk).fresh
    # Another subdistrict's summary is still fresh.
    assert summaries.read(subdistrict_id=world.other_subdistrict.pk).fresh
    before = summed()
    assert before != counted(Scope(everything=True))

    # Pages asking again within the debounce queue nothing more: one refresh was queued.
    for _ in range(3):
        assert client.get(FIGURES).status_code == 200
    assert run_queued_jobs() == 1
    assert summaries.read().fresh
    assert summed() == counted(Scope(everything=True))


def test_a_fresh_page_is_cached_and_a_stale_one_is_not(world, client):
    call_command("refresh_figures", stdout=io.StringIO())
    assert "no-store" not in client.get(FIGURES).get("Cache-Control", "")

    BuildingGroupFactory(compound=world.a.compound, name="2号楼")
    assert "no-store" in client.get(FIGURES)["Cache-Control"]
    run_queued_jobs()
    assert "no-store" not in client.get(FIGURES).get("Cache-Control", "")


def test_refresh_figures_of_one_subdistrict_and_of_a_year(world):
    out = io.StringIO()
    call_command("refresh_figures", subdistrict=world.subdistrict.pk, stdout=out)
    assert "共重算" in out.getvalue()
    assert set(FigureSummary.objects.values_list("subdistrict", flat=True)) == {
        world.subdistrict.pk
    }
    assert summaries.figures_refresh(subdistrict_id=world.subdistrict.pk, year=2019) == 2
    assert FigureSummary.objects.filter(subdistrict=world.subdistrict, year=2019).exists()
    # A full refresh keeps only the years with data somewhere, and this year.
    summaries.figures_refresh(subdistrict_id=world.subdistrict.pk)
    assert not FigureSummary.objects.filter(year=2019).exists()
