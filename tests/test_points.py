"""美丽约定: the points ledger, rules as versions, redemption, imports and public boards."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from self_governance.agreements import selectors, services
from self_governance.agreements.models import (
    Account,
    AgreementScheme,
    MonthlyPoints,
    PointEntry,
    Redemption,
    Reward,
    Rule,
)
from self_governance.agreements.resources import PointsResource

from .factories import BuildingGroupFactory, HouseholdFactory
from .sheets import csv_bytes

D = datetime.date


def ledger_sum(account):
    return PointEntry.objects.filter(account=account).aggregate(s=Sum("points"))["s"] or 0


def assert_ledger_holds(*accounts):
    for account in accounts:
        account.refresh_from_db()
        assert account.balance == ledger_sum(account) >= 0
        months = MonthlyPoints.objects.filter(account=account).aggregate(s=Sum("points"))["s"] or 0
        spent = -(
            PointEntry.objects.filter(account=account, kind="redemption").aggregate(
                s=Sum("points")
            )["s"]
            or 0
        )
        assert months == account.balance + spent


def test_fixture_ledger_is_consistent(world):
    p = world.a.points
    assert p.household.balance == 5  # +5 +5 -5 (a towel)
    assert_ledger_holds(p.household)
    assert Reward.objects.get(pk=p.reward.pk).stock == 9


def test_reversal_corrects_and_keeps_the_wrong_entry(world):
    p = world.a.points
    reversal = services.entry_reverse(entry=p.entry, by=None)
    assert reversal.points == -5 and reversal.reverses == p.entry
    assert PointEntry.objects.filter(pk=p.entry.pk).exists()
    assert_ledger_holds(p.household)
    with pytest.raises(ValidationError, match="已经冲正过"):
        services.entry_reverse(entry=p.entry, by=None)
    with pytest.raises(ValidationError, match="不能再冲正"):
        services.entry_reverse(entry=reversal, by=None)


def test_entries_cannot_be_edited_or_deleted(world):
    entry = world.a.points.entry
    entry.points = 100
    with pytest.raises(ValidationError, match="不能修改"):
        entry.save()
    with pytest.raises(ValidationError, match="不能删除"):
        entry.delete()
    with pytest.raises(ValidationError, match="不能修改"):
        PointEntry.objects.filter(pk=entry.pk).update(points=1)
    with pytest.raises(ValidationError, match="不能删除"):
        PointEntry.objects.filter(pk=entry.pk).delete()


@pytest.mark.parametrize("view", ["change", "delete"])
def test_no_admin_url_edits_an_entry(world, users, login, view):
    entry = world.a.points.entry
    client = login(users.street)
    url = reverse(f"admin:self_governance_pointentry_{view}", args=[entry.pk])
    if view == "change":
        assert b'name="points"' not in client.get(url).content  # a read-only page
    response = client.post(url, {"points": "100", "post": "yes"})
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.points == 5


def test_cap_per_household_per_month(world):
    p = world.a.points
    with pytest.raises(ValidationError, match="每户每月 10 分的上限"):
        services.entry_record(account=p.household, rule=p.award, date=D(2022, 9, 28), by=None)
    services.entry_record(account=p.household, rule=p.award, date=D(2022, 10, 1), by=None)


def test_rule_must_apply(world):
    p, other = world.a.points, world.b.points
    with pytest.raises(ValidationError, match="不在.*实施期内"):
        services.entry_record(account=p.household, rule=p.award, date=D(2022, 7, 1), by=None)
    with pytest.raises(ValidationError, match="不属于"):
        services.entry_record(account=p.household, rule=other.award, date=D(2022, 9, 1), by=None)
    AgreementScheme.objects.filter(pk=p.scheme.pk).update(status="closed")
    p.award.scheme.refresh_from_db()
    with pytest.raises(ValidationError, match="不在实施中"):
        services.entry_record(account=p.household, rule=p.award, date=D(2022, 11, 1), by=None)


def test_deduction_never_takes_a_balance_below_zero(world):
    p = world.a.points
    services.entry_record(account=p.shop, rule=p.award, date=D(2022, 9, 1), by=None)
    services.entry_record(account=p.shop, rule=p.deduction, date=D(2022, 9, 2), by=None)
    with pytest.raises(ValidationError, match="将小于 0"):
        services.entry_record(account=p.shop, rule=p.deduction, date=D(2022, 9, 3), by=None)
    assert_ledger_holds(p.shop)


def test_redemption_limits(world):
    p = world.a.points
    with pytest.raises(ValidationError, match="积分不足"):
        services.redeem(
            account=p.household, reward=p.reward, quantity=2, date=D(2022, 9, 30), by=None
        )
    Reward.objects.filter(pk=p.reward.pk).update(stock=0)
    with pytest.raises(ValidationError, match="库存不足"):
        services.redeem(account=p.household, reward=p.reward, date=D(2022, 9, 30), by=None)
    assert_ledger_holds(p.household)
    assert Redemption.objects.filter(account=p.household).count() == 1


def test_used_rule_changes_as_a_new_version(world):
    p = world.a.points
    new = services.rule_change(rule=p.award, points=8, monthly_cap=16)
    assert (new.version, new.points, new.is_current) == (2, 8, True)
    p.award.refresh_from_db()
    assert (p.award.points, p.award.is_current) == (5, False)
    assert set(PointEntry.objects.filter(rule=p.award).values_list("points", flat=True)) == {5}
    fresh = Rule.objects.create(scheme=p.scheme, code="G09", description="新细则", points=1)
    assert services.rule_change(rule=fresh, points=2).pk == fresh.pk


def test_rule_change_through_the_admin_makes_a_version(world, users, login):
    p = world.a.points
    client = login(users.staff_a)
    response = client.post(
        reverse("admin:self_governance_rule_change", args=[p.award.pk]),
        {
            "scheme": p.scheme.pk,
            "code": "G01",
            "description": "垃圾分类",
            "points": "6",
            "monthly_cap": "12",
        },
    )
    assert response.status_code == 302
    assert Rule.objects.current().get(scheme=p.scheme, code="G01").version == 2


def test_staff_record_one_rule_for_many_accounts(world, users, login):
    p = world.a.points
    client = login(users.staff_a)
    response = client.post(
        reverse("admin:self_governance_account_changelist"),
        {
            "action": "record_points",
            "_selected_action": [p.household.pk, p.shop.pk],
            "apply": "1",
            "rule": p.award.pk,
            "date": "2022-10-05",
            "note": "",
        },
    )
    assert response.status_code == 302
    assert PointEntry.objects.filter(date=D(2022, 10, 5)).count() == 2
    assert_ledger_holds(p.household, p.shop)


def test_admin_records_an_entry_and_refuses_a_bad_one(world, users, login):
    p = world.a.points
    client = login(users.staff_a)
    url = reverse("admin:self_governance_pointentry_add")
    ok = client.post(
        url, {"account": p.household.pk, "rule": p.award.pk, "date": "2022-10-02", "note": ""}
    )
    assert ok.status_code == 302
    bad = client.post(
        url, {"account": p.household.pk, "rule": p.award.pk, "date": "2022-07-02", "note": ""}
    )
    assert bad.status_code == 200 and "不在" in bad.content.decode()
    other = client.post(
        url, {"account": world.b.points.household.pk, "rule": p.award.pk, "date": "2022-10-02"}
    )
    assert other.status_code == 200 and "选择一个有效的选项" in other.content.decode()
    assert_ledger_holds(p.household, world.b.points.household)


def test_admin_redemption_over_balance_is_a_form_error(world, users, login):
    p = world.a.points
    client = login(users.staff_a)
    response = client.post(
        reverse("admin:self_governance_redemption_add"),
        {"account": p.household.pk, "reward": p.reward.pk, "quantity": "5", "date": "2022-10-01"},
    )
    assert response.status_code == 200 and "积分不足" in response.content.decode()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ops=st.lists(
        st.tuples(st.sampled_from(["award", "deduct", "reverse", "redeem"]), st.integers(0, 40)),
        max_size=25,
    )
)
def test_balance_always_equals_the_sum_of_entries(world, ops):
    p = world.a.points
    with transaction.atomic():
        for op, n in ops:
            date = D(2022, 8 + n % 5, 1 + n % 28)
            try:
                if op == "award":
                    services.entry_record(account=p.shop, rule=p.award, date=date, by=None)
                elif op == "deduct":
                    services.entry_record(account=p.shop, rule=p.deduction, date=date, by=None)
                elif op == "reverse":
                    entries = list(PointEntry.objects.filter(account=p.shop).order_by("pk"))
                    if entries:
                        services.entry_reverse(entry=entries[n % len(entries)], by=None)
                else:
                    services.redeem(account=p.shop, reward=p.reward, date=date, by=None)
            except ValidationError:
                pass
            assert_ledger_holds(p.shop)
            assert Reward.objects.get(pk=p.reward.pk).stock >= 0
        transaction.set_rollback(True)


@pytest.mark.django_db(transaction=True)
def test_two_staff_redeeming_at_once_cannot_overspend(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs two real concurrent connections (PostgreSQL)")
    from .conftest import _places
    from .factories import SubdistrictFactory

    place = _places(SubdistrictFactory(name="并发街道"), "并发社区", "并发苑")
    account, reward = place.points.household, place.points.reward  # balance 5, towel costs 5
    barrier = threading.Barrier(2)
    outcomes = []

    def redeem():
        from django.db import connections

        try:
            barrier.wait()
            services.redeem(account=account, reward=reward, date=D(2022, 9, 25), by=None)
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(exc.messages[0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=redeem) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[0] == "ok" and outcomes.count("ok") == 1, outcomes
    account.refresh_from_db()
    assert account.balance == 0 == ledger_sum(account)


# Import.

HEADER = ["日期", "约定", "细则编号", "小区", "楼组", "室号", "商铺", "分值"]


def run(user, rows):
    from jinhai.imports.formats import SheetFormat

    dataset = SheetFormat.for_resource(PointsResource)().create_dataset(csv_bytes(rows))
    return PointsResource(user=user).import_data(
        dataset, dry_run=False, rollback_on_validation_errors=True, file_name="p.csv", user=user
    )


def test_points_import(world, users):
    p = world.a.points
    rows = [
        HEADER,
        ["2022-10-01", p.scheme.name, "G01", "正学苑", "1号楼", "301", "", "5"],
        ["2022-10-02", p.scheme.name, "G01", "正学苑", "1号楼", "502", "", ""],  # new household
        ["2022/10/03", p.scheme.name, "G01", "", "", "", p.shop.household.shop_name, "+5"],
    ]
    result = run(users.staff_a, rows)
    assert not result.has_validation_errors(), result.error_items
    assert result.created == 3
    new = Account.objects.get(scheme=p.scheme, household__room="502")
    assert_ledger_holds(p.household, p.shop, new)
    assert new.balance == 5


def test_points_import_bad_rows_write_nothing(world, users):
    p = world.a.points
    other = world.b.points
    BuildingGroupFactory(compound=world.b.compound, name="2号楼")
    rows = [
        HEADER,
        ["2022-10-01", p.scheme.name, "Z99", "正学苑", "1号楼", "301", "", ""],  # 2 unknown rule
        ["2022-10-01", p.scheme.name, "G01", "丰乐苑", "2号楼", "101", "", ""],  # 3 other community
        ["2022-10-01", p.scheme.name, "G01", "正学苑", "1号楼", "301", "", "3"],  # 4 分值 disagrees
        [
            "2022-07-01",
            p.scheme.name,
            "G01",
            "正学苑",
            "1号楼",
            "301",
            "",
            "",
        ],  # 5 before the scheme
        ["2022-10-01", p.scheme.name, "G01", "正学苑", "1号楼", "301", "", ""],  # 6 fine
        ["2022-10-02", p.scheme.name, "G01", "正学苑", "1号楼", "301", "", ""],  # 7 fine (10)
        ["2022-10-03", p.scheme.name, "G01", "正学苑", "1号楼", "301", "", ""],  # 8 over the cap
        ["2022-10-01", other.scheme.name, "G01", "丰乐苑", "1号楼", "301", "", ""],  # 9 B's scheme
    ]
    before = list(PointEntry.objects.values_list("pk", flat=True)), p.household.balance
    result = run(users.staff_a, rows)
    p.household.refresh_from_db()
    assert (list(PointEntry.objects.values_list("pk", flat=True)), p.household.balance) == before
    bad = {n: (c, r) for n, c, r in result.error_items}
    assert sorted(bad) == [2, 3, 4, 5, 8, 9], result.error_items
    assert bad[2][0] == "细则编号"
    assert bad[3][0] == "楼组"
    assert bad[4] == ("分值", "分值 3 与细则 G01 规定的 +5 分不符")
    assert bad[5][0] == "日期"
    assert "上限" in bad[8][1]
    assert bad[9][0] == "约定"


# Public pages.


def test_scheme_page_boards_mask_rooms_and_pin_queries(world, client, django_assert_num_queries):
    p = world.a.points
    url = reverse("agreements:detail", args=[p.scheme.pk])
    with django_assert_num_queries(7):
        response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert "正学苑 1号楼 3**室" in body and "301" not in body
    assert "G01" in body and "垃圾分类,楼道整洁" in body
    for n in range(10):
        group = BuildingGroupFactory(compound=world.a.compound, name=f"{n + 10}号楼")
        account = Account.objects.create(
            scheme=p.scheme, household=HouseholdFactory(building_group=group, room="101")
        )
        services.entry_record(account=account, rule=p.award, date=D(2022, 9, 5), by=None)
    with django_assert_num_queries(7):
        client.get(url)
    with django_assert_num_queries(1):  # the page, shorter than a page: it counts itself
        client.get(reverse("agreements:list"))


def test_draft_schemes_are_not_public(world, client):
    p = world.a.points
    AgreementScheme.objects.filter(pk=p.scheme.pk).update(status="draft")
    assert client.get(reverse("agreements:detail", args=[p.scheme.pk])).status_code == 404


def test_bad_month_parameter_is_ignored(world, client):
    url = reverse("agreements:detail", args=[world.a.points.scheme.pk])
    assert client.get(url, {"month": "2022-99"}).status_code == 200
    assert client.get(url, {"month": "<script>"}).status_code == 200


def test_rank_and_leaderboard(world):
    p = world.a.points
    services.entry_record(account=p.shop, rule=p.award, date=D(2022, 9, 1), by=None)
    services.entry_record(account=p.shop, rule=p.award, date=D(2022, 9, 2), by=None)
    assert [a.pk for a in selectors.leaderboard(p.scheme)] == [p.shop.pk, p.household.pk]
    p.household.refresh_from_db()
    assert selectors.rank_of(p.household) == 2


def test_one_multi_row_insert_keeps_every_balance_exact(world):
    """The PostgreSQL trigger runs once per statement over all its rows (transition table): one
    INSERT of many entries, several per account and month, must still move each balance by its
    sum; and entries stay undeletable, so a delete in the same transaction changes nothing."""
    p = world.a.points
    rows = []
    for i in range(60):
        account = p.shop if i % 2 else p.household
        rule = p.deduction if i % 7 == 0 else p.award
        rows.append(
            PointEntry(
                account=account,
                kind="deduction" if rule.points < 0 else "award",
                rule=rule,
                points=rule.points,
                date=D(2022, 9 + i % 3, 1 + i % 28),
            )
        )
    with transaction.atomic():
        PointEntry.objects.bulk_create(rows)
        assert_ledger_holds(p.shop, p.household)
        with pytest.raises(ValidationError, match="不能删除"):
            PointEntry.objects.filter(account=p.shop).delete()
        PointEntry.objects.bulk_create(
            [PointEntry(account=p.shop, kind="award", rule=p.award, points=1, date=D(2022, 9, 1))]
        )
        assert_ledger_holds(p.shop, p.household)
