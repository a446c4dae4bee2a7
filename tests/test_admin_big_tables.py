"""Change lists on big tables (the ledger above all) cost the same whatever their size: a
bounded count, filters that read the small related table, no date drill-down over the ledger,
and an index for the default order (bench/city_scale.py measures them at 1/10 of a city)."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse

from jinhai import admin as jinhai_admin
from self_governance.agreements.models import AgreementScheme, PointEntry

LEDGER = reverse("admin:self_governance_pointentry_changelist")


def _entries(account, rule, n, start=datetime.date(2022, 9, 1)):
    PointEntry.objects.bulk_create(
        PointEntry(account=account, rule=rule, kind="award", points=rule.points, date=start)
        for _ in range(n)
    )


@pytest.fixture
def small_cap(monkeypatch):
    from django.contrib import admin

    monkeypatch.setattr(jinhai_admin, "COUNT_CAP", 5)
    monkeypatch.setattr(admin.site._registry[PointEntry], "list_per_page", 2)


def test_a_count_past_the_cap_stops_there(world, users, login, small_cap):
    points = world.a.points
    _entries(points.household, points.award, 12)
    client = login(users.staff_a)
    response = client.get(LEDGER)
    assert response.status_code == 200
    paginator = response.context["cl"].paginator
    # Five rows are counted, and the pages end there: three pages of two.
    assert paginator.approximate and paginator.num_pages == 3
    assert "超过 5 条积分明细" in response.content.decode()
    assert client.get(LEDGER, {"p": "3"}).status_code == 200
    # A page past the cap is no error page: the admin goes back to the first.
    beyond = client.get(LEDGER, {"p": "4"})
    assert beyond.status_code == 302 and "e=1" in beyond["Location"]


def test_an_exact_count_below_the_cap(world, users, login):
    response = login(users.staff_a).get(LEDGER)
    paginator = response.context["cl"].paginator
    assert not paginator.approximate
    assert f"共 {paginator.count} 条积分明细" in response.content.decode()


def test_the_scheme_filter_lists_the_users_schemes_without_reading_the_ledger(
    world, users, login, django_assert_num_queries
):
    # A filter with one choice is not shown: community A gets a second scheme.
    AgreementScheme.objects.create(
        community=world.a.community, name="正学文明养宠约定", kind="pet", text="文明养宠",
        start=datetime.date(2022, 8, 1), status="active",
    )  # fmt: skip
    client = login(users.staff_a)
    client.get(LEDGER)
    # session, user, permissions (2), placement, the scheme filter's choices, the bounded count,
    # the page of entries, and the session saved again (savepoint, update, release)
    with django_assert_num_queries(11) as queries:
        response = client.get(LEDGER)
    # Django's RelatedOnlyFieldListFilter would ask the ledger for its distinct schemes.
    assert not any("DISTINCT" in q["sql"].upper() for q in queries.captured_queries)
    spec = next(f for f in response.context["cl"].filter_specs if f.field_path == "account__scheme")
    offered = {label for _, label in spec.lookup_choices}
    assert offered == {s.name for s in AgreementScheme.objects.visible_to(users.staff_a)}
    assert world.b.points.scheme.name not in offered


def test_the_ledger_list_costs_the_same_at_ten_times_the_rows(
    world, users, login, django_assert_num_queries
):
    client = login(users.street)
    client.get(LEDGER)
    with django_assert_num_queries(11):
        client.get(LEDGER)
    points = world.a.points
    _entries(points.household, points.award, 500)
    with django_assert_num_queries(11):
        response = client.get(LEDGER)
    assert len(response.context["cl"].result_list) == 100


def test_the_ledger_has_no_date_drill_down():
    from django.contrib import admin

    assert admin.site._registry[PointEntry].date_hierarchy is None


@pytest.mark.postgres
def test_the_newest_entries_come_off_an_index(world):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plan = PointEntry.objects.order_by("-date", "-pk")[:100].explain()
        cursor.execute("SET enable_seqscan = on")
    assert "entry_recent" in plan
