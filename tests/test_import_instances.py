"""The import's work per distinct value rather than per row (jinhai/imports/instances.py and the
parse of `SheetResource._parse`): the same instances, the same messages and the same bad rows as
building and checking every row on its own."""

import datetime

from communities.models import Household, HouseholdKind
from jinhai.db import bulk_insert
from jinhai.imports.instances import NewInstances, Validation, field_errors
from self_governance.agreements.models import Account, PointEntry

from .test_points import HEADER, assert_ledger_holds, run

D = datetime.date
RELATIONS = [f.name for f in PointEntry._meta.concrete_fields if f.is_relation]


def _fields(entry):
    return {f.attname: getattr(entry, f.attname) for f in PointEntry._meta.concrete_fields}


def test_new_instances_are_what_the_constructor_builds(world, users):
    p = world.a.points
    values = {
        "account": p.household,
        "rule": p.award,
        "kind": "award",
        "points": 5,
        "date": D(2022, 10, 1),
    }
    ordinary = PointEntry(recorded_by=users.staff_a, note="备注", **values)
    fast = NewInstances(PointEntry, recorded_by=users.staff_a)(note="备注", **values)
    assert _fields(fast) == _fields(ordinary)
    assert fast.account is p.household and fast.rule is p.award
    assert fast.recorded_by == users.staff_a
    assert fast._state.adding and fast._state.db is None
    assert str(fast) == str(ordinary)


def test_new_instances_take_the_key_of_an_account_saved_later(world, users):
    p = world.a.points
    household = Household.objects.create(
        kind=HouseholdKind.HOUSEHOLD, building_group=world.a.building_group, room="909"
    )
    account = Account(scheme=p.scheme, household=household)
    build = NewInstances(PointEntry)
    entries = [
        build(account=account, rule=p.award, kind="award", points=5, date=D(2022, 10, day))
        for day in (1, 2)
    ]
    assert entries[0].account_id is None and entries[0].account is account
    Account.objects.bulk_create([account])
    bulk_insert(PointEntry, entries)
    stored = PointEntry.objects.filter(account=account).values_list("recorded_at", "evidence")
    assert len(stored) == 2
    # bulk_insert (COPY on PostgreSQL) gives auto_now_add its moment and a blank photo its "".
    assert all(at is not None and evidence == "" for at, evidence in stored)
    assert all(entry.recorded_at is not None for entry in entries)
    assert_ledger_holds(account)
    assert account.balance == 10


def _full_clean(instance, exclude):
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except Exception as exc:  # noqa: BLE001 - the ValidationError's messages are compared
        return exc.message_dict
    return {}


def test_validation_says_what_full_clean_says_for_each_instance(world):
    p = world.a.points
    validation = Validation(PointEntry, exclude=RELATIONS)

    def entry(**changes):
        values = {"account": p.household, "rule": p.award, "kind": "award", "points": 5, "note": ""}
        return PointEntry(date=D(2022, 10, 1), **{**values, **changes})

    bad = [entry(note="长" * 201, kind="bonus"), entry(note="长" * 201, kind="bonus"), entry()]
    found = [validation.errors(e) for e in bad]
    assert found == [_full_clean(e, RELATIONS) for e in bad]
    assert set(found[0]) == {"kind", "note"} and found[0] == found[1]
    assert found[2] == {}
    # Once per distinct value: the second bad entry's values came from what the first found.
    assert ("note", str, "长" * 201) in validation.checked


def test_validation_runs_the_model_clean_of_every_instance(world):
    """Household.clean() reads the room: it runs per instance, as full_clean runs it."""
    rooms = ["101室", "2022-03-02", "202"]

    def household(room):
        group = world.a.building_group
        return Household(kind=HouseholdKind.HOUSEHOLD, building_group=group, room=room)

    households = [household(room) for room in rooms]
    exclude = ["community", "building_group", "street_zone"]
    expected = [_full_clean(household(room), exclude) for room in rooms]
    validation = Validation(Household, exclude=exclude)
    assert [validation.errors(h) for h in households] == expected
    assert [bool(e) for e in expected] == [False, True, False]
    assert households[0].room == "101"  # clean() normalised it, as full_clean would
    assert field_errors(households[1], exclude=exclude) == expected[1]["room"]


def test_every_row_with_the_same_bad_cell_is_named(world, users):
    """A cell is read once per distinct value; each row carrying it still gets its own error."""
    p = world.a.points
    good = ["2022-10-01", p.scheme.name, "G01", "正学苑", "1号楼", "301", "", ""]
    year = ["2022", p.scheme.name, "G01", "正学苑", "1号楼", "301", "", ""]
    date_room = ["2022-10-02", p.scheme.name, "G01", "正学苑", "1号楼", "2022-03-02", "", ""]
    rows = [HEADER, good, year, date_room, year, good, date_room, year]
    before = PointEntry.objects.count()
    result = run(users.staff_a, rows)
    assert PointEntry.objects.count() == before
    bad = {}
    for number, column, reason in result.error_items:
        bad.setdefault(number, []).append((column, reason))
    assert sorted(bad) == [3, 4, 5, 7, 8]
    assert bad[3] == bad[5] == bad[8]
    assert bad[3] == [("日期", "日期“2022”无法识别:请写成 2022-07-15、2022/7/15 或 2022年7月15日")]
    assert bad[4] == bad[7] and bad[4][0][0] == "室号" and "日期" in bad[4][0][1]


def test_rows_of_one_new_household_share_it_and_its_check(world, users):
    p = world.a.points
    rows = [HEADER] + [
        [f"2022-10-0{day}", p.scheme.name, "G01", "正学苑", "1号楼", "606室", "", ""]
        for day in (1, 2)
    ]
    result = run(users.staff_a, rows)
    assert not result.has_validation_errors(), result.error_items
    account = Account.objects.get(scheme=p.scheme, household__room="606")
    assert Household.objects.filter(building_group=world.a.building_group, room="606").count() == 1
    assert_ledger_holds(account)
    assert account.balance == 10
