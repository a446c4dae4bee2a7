"""Change lists on big tables (the ledger above all) cost the same whatever their size: a
bounded count, filters that read the small related table, no date drill-down over the ledger,
and an index for the default order (bench/city_scale.py measures them at 1/10 of a city)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jinhai import admin_lists as jinhai_admin
from self_governance.agreements.models import AgreementScheme, PointEntry

LEDGER = reverse("admin:self_governance_pointentry_changelist")
COMPOUND_PAGE_QUERIES = 9
CONTEST_PAGE_QUERIES = 15
OVERDUE_PAGE_QUERIES = 10


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


# Filters, forms and inlines of the admin at a city's size


def test_a_related_filter_offers_the_first_choices_and_the_one_chosen(
    world, users, login, monkeypatch
):
    monkeypatch.setattr(jinhai_admin, "FILTER_CHOICES", 2)  # the world has three communities
    client = login(users.superuser)
    url = reverse("admin:communities_household_changelist")

    def offered(params):
        response = client.get(url, params)
        assert response.status_code == 200
        spec = next(f for f in response.context["cl"].filter_specs if f.field_path == "community")
        return {pk for pk, _ in spec.lookup_choices}

    first = offered({})
    assert len(first) == 2
    (other,) = {world.a.community.pk, world.b.community.pk, world.elsewhere.community.pk} - first
    # A community past the first choices, chosen by its link, is offered (and shown chosen).
    assert offered({"community__id__exact": other}) == first | {other}


def test_a_compounds_page_reads_its_building_groups_once_however_many(
    world, users, login, django_assert_num_queries
):
    from .factories import BuildingGroupFactory

    client = login(users.superuser)
    url = reverse("admin:communities_compound_change", args=[world.a.compound.pk])
    client.get(url)
    # One query for the inline's rows whatever their number: each row's name shows the compound,
    # which the page has already read (before, one query per building group).
    with django_assert_num_queries(COMPOUND_PAGE_QUERIES):
        client.get(url)
    for n in range(2, 12):
        BuildingGroupFactory(compound=world.a.compound, name=f"{n}号楼")
    with django_assert_num_queries(COMPOUND_PAGE_QUERIES):
        response = client.get(url)
    assert response.content.decode().count("号楼") >= 11


# Place tables that a city holds by the thousand: a form picks from them by search.
SMALL_TABLES = {
    "communities.subdistrict",
    "communities.community",  # 600 at a tenth of a city, and a staff user sees a dozen
    "communities.role",
    "orgs.servicefield",
    "auth.group",
    "auth.permission",
    "self_governance.campaignstandard",  # limited to the inspection's campaign (ScoresFormSet)
}


def test_no_admin_form_lists_a_table_that_grows_with_the_city(users, rf):
    from django.contrib import admin
    from django.contrib.admin import widgets
    from django.forms import HiddenInput, ModelChoiceField, MultipleHiddenInput

    request = rf.get("/admin/")
    request.user = users.superuser
    searched = (
        widgets.AutocompleteSelect,
        widgets.AutocompleteSelectMultiple,
        widgets.ForeignKeyRawIdWidget,
        HiddenInput,
        MultipleHiddenInput,
    )
    listing = []
    for model, model_admin in admin.site._registry.items():
        if not (
            model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
        ):
            continue  # read-only: its fields are shown as text, never as a picker
        forms = [(model_admin.get_form(request, None), None)]
        for inline in model_admin.get_inline_instances(request, None):
            formset = inline.get_formset(request, None)
            forms.append((formset.form, formset.fk.name))
        for form, parent in forms:
            for name, field in form.base_fields.items():
                widget = getattr(field.widget, "widget", field.widget)
                if not isinstance(field, ModelChoiceField) or name == parent:
                    continue
                if isinstance(widget, searched):
                    continue
                if field.queryset.model._meta.label_lower not in SMALL_TABLES:
                    listing.append(f"{model._meta.label} {form.__name__}.{name}")
    assert listing == []


BIG_TABLES = [
    "self_governance_pointentry",
    "self_governance_monthlypoints",
    "self_governance_account",
    "communities_household",
    "volunteers_participation",
    "volunteers_attendance",
]


@pytest.mark.parametrize("name", BIG_TABLES)
def test_a_big_tables_change_list_is_in_an_indexed_order(world, users, login, name):
    response = login(users.superuser).get(reverse(f"admin:{name}_changelist"))
    cl = response.context["cl"]
    opts = cl.model._meta
    columns = []
    for item in cl.get_ordering(response.wsgi_request, cl.root_queryset):
        name_ = str(item).lstrip("-")
        field = opts.pk if name_ == "pk" else opts.get_field(name_)
        # A relation by name would order by the related model's own order: a join and a sort.
        assert "__" not in name_ and not (field.is_relation and name_ == field.name), item
        columns.append(field.column)
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, opts.db_table)
    indexed = [c["columns"] for c in constraints.values() if c["index"] or c["primary_key"]]
    # An index leads with the order's first column (PostgreSQL's incremental sort does the rest).
    assert any(index[:1] == columns[:1] for index in indexed), (columns, indexed)


def test_an_inlines_chosen_communities_are_read_once_for_all_its_rows(
    world, users, login, django_assert_num_queries
):
    from .factories import CommunityFactory, ContestEntryFactory

    contest = world.fund.contest
    client = login(users.street)
    url = reverse("admin:self_governance_contest_change", args=[contest.pk])
    client.get(url)
    with django_assert_num_queries(CONTEST_PAGE_QUERIES):
        before = client.get(url)
    for n in range(10):
        community = CommunityFactory(subdistrict=world.subdistrict, name=f"城区社区{n}")
        ContestEntryFactory(contest=contest, title=f"节目{n}", community=community)
    # Each row's autocomplete shows its community: one query for the eleven, not one each.
    with django_assert_num_queries(CONTEST_PAGE_QUERIES):
        after = client.get(url)
    html = after.content.decode()
    assert all(f"城区社区{n}" in html for n in range(10))
    assert world.a.community.name in before.content.decode()


def test_the_overdue_list_is_in_pages(world, users, login, monkeypatch, django_assert_num_queries):
    from self_governance.campaign import admin as campaign_admin

    from .factories import RectificationFactory

    monkeypatch.setattr(campaign_admin, "OVERDUE_PAGE", 2)
    for n in range(4):
        RectificationFactory(
            inspection=world.fund.inspection,
            finding=f"逾期{n}",
            deadline=datetime.date(2022, 11, n + 1),
        )
    client = login(users.street)
    url = reverse("admin:self_governance_rectification_overdue")
    client.get(url)
    with django_assert_num_queries(OVERDUE_PAGE_QUERIES):
        first = client.get(url)
    assert [r.finding for r in first.context["rows"]] == ["逾期0", "逾期1"]
    assert "共 5 项" in first.content.decode()
    with django_assert_num_queries(OVERDUE_PAGE_QUERIES):
        last = client.get(url, {"p": "3"})
    assert [r.pk for r in last.context["rows"]] == [world.fund.rectification.pk]
    # Past the end or not a number: the nearest page, never an error.
    assert client.get(url, {"p": "99"}).context["page"].number == 3
    assert client.get(url, {"p": "abc"}).context["page"].number == 1


def test_community_staff_see_their_ledger_newest_first_as_street_staff_do(world, users, login):
    points = world.a.points
    _entries(points.household, points.award, 3, start=datetime.date(2022, 10, 5))
    _entries(points.household, points.award, 2, start=datetime.date(2022, 8, 1))
    mine = login(users.staff_a).get(LEDGER).context["cl"].result_list
    street = login(users.street).get(LEDGER)
    expected = [
        e.pk
        for e in street.context["cl"].result_list
        if e.account.scheme.community_id == points.scheme.community_id
    ]
    assert [e.pk for e in mine] == expected
    assert [e.pk for e in mine] == [
        e.pk for e in sorted(mine, key=lambda e: (e.date, e.pk), reverse=True)
    ]


def test_the_audit_log_counts_at_most_the_cap_and_has_no_date_drill_down(
    world, users, login, monkeypatch
):
    from auditlog.models import LogEntry

    monkeypatch.setattr(jinhai_admin, "COUNT_CAP", 5)
    for n in range(8):  # every save is logged
        world.a.volunteer.notes = f"第{n}次"
        world.a.volunteer.save()
    assert LogEntry.objects.count() > 5
    client = login(users.superuser)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:auditlog_logentry_changelist"))
    assert response.status_code == 200
    assert response.context["cl"].paginator.approximate
    sql = [q["sql"].upper() for q in queries.captured_queries]
    assert not any("DATE_TRUNC" in q or "DJANGO_DATE_TRUNC" in q for q in sql)
    assert not any(
        q.startswith('SELECT COUNT(*) AS "__COUNT" FROM "AUDITLOG_LOGENTRY"') for q in sql
    )


# Tables a city holds a few hundred rows of, at most: their exact count costs nothing.
SMALL_CHANGE_LISTS = {"auth.group", "auth.user", "communities.role", "otp_totp.totpdevice"}


def test_every_change_list_that_grows_counts_at_most_the_cap():
    from django.contrib import admin

    from jinhai.admin_lists import BoundedPaginator

    unbounded = [
        model._meta.label_lower
        for model, model_admin in admin.site._registry.items()
        if model._meta.label_lower not in SMALL_CHANGE_LISTS
        and (
            not issubclass(model_admin.paginator, BoundedPaginator)
            or model_admin.show_full_result_count
        )
    ]
    assert unbounded == []
    # Nor a date drill-down on a log that grows with every login or job.
    for label in ("axes.accesslog", "django_tasks_database.dbtaskresult", "auditlog.logentry"):
        model = next(m for m in admin.site._registry if m._meta.label_lower == label)
        assert admin.site._registry[model].date_hierarchy is None
