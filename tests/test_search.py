"""The public search (/search/): Chinese substrings of one character and more, Latin letters in
any case, only what the public pages show, a fixed number of queries; pinyin order of names."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from communities.models import Community, Compound
from jinhai import search
from jinhai.sorting import PinyinOrdered, pinyin_key
from orgs.models import OrganizationStatus, SocialOrganization, SocialWorkStation
from self_governance.fund.models import FundProject
from volunteers.models import Volunteer

from .browser import (
    DESKTOP,
    PHONE,
    axe_violations,
    chromium,
    horizontal_overflow,
    needs_chromium,
    open_page,
)
from .factories import (
    AppointmentFactory,
    BuildingGroupFactory,
    CommunityFactory,
    CompoundFactory,
    FundProjectFactory,
    SocialOrganizationFactory,
    SocialWorkStationFactory,
    VolunteerFactory,
)

MOBILE = re.compile(r"(?<![\d*])1[3-9]\d{9}(?!\d)")
KINDS = ["communities", "compounds", "leaders", "fund_projects", "organizations", "stations"]


def get(client, q):
    cache.clear()  # the public-page cache, where there is one, must not answer for the database
    response = client.get(reverse("search"), {"q": q})
    assert response.status_code == 200
    return response


def found(response):
    """{kind key: [hit names in page order]} and the totals."""
    groups = response.context["groups"]
    return {g.kind.key: [h.name for h in g.hits] for g in groups}, {
        g.kind.key: g.total for g in groups
    }


# Pinyin order.


@pytest.mark.parametrize(
    ("name", "readings"),
    [
        ("单雄信", ["shan", "xiong", "xin"]),
        ("曾国藩", ["zeng", "guo", "fan"]),
        ("解缙", ["xie", "jin"]),
        ("仇英", ["qiu", "ying"]),
        ("朴志勇", ["piao"]),
        ("查良镛", ["zha"]),
        ("区志坚", ["ou"]),
        ("乐毅", ["yue"]),
        ("覃建国", ["qin"]),
        ("盖叫天", ["ge"]),
        ("缪荃孙", ["miao"]),
        ("翟天临", ["zhai"]),
        ("任大伟", ["ren"]),
        ("沈从文", ["shen"]),
        ("柏杨", ["bai"]),
        ("燕小乙", ["yan"]),
        ("纪晓岚", ["ji"]),
        ("华罗庚", ["hua"]),
        ("葛优", ["ge"]),
        ("员半千", ["yun"]),
        ("繁钦", ["po"]),
        ("黑齿常之", ["he"]),
        ("秘书华", ["bi"]),
        ("召忠", ["shao"]),
        ("种师道", ["chong"]),
        ("折克行", ["she"]),
        ("隗嚣", ["wei"]),
        ("尉迟恭", ["yu", "chi", "gong"]),
        ("万俟卨", ["mo", "qi"]),
        ("长孙无忌", ["zhang", "sun", "wu", "ji"]),
        ("单于明", ["chan", "yu", "ming"]),
        # Two characters only: surname 单 and given name 于, not the compound surname.
        ("单于", ["shan", "yu"]),
    ],
)
def test_surnames_read_as_surnames(name, readings):
    key = pinyin_key(name, person=True)
    assert [element[1] for element in key[0][: len(readings)]] == readings


def test_surname_reading_is_for_people_only():
    assert pinyin_key("单位", person=False)[0][0][1] == "dan"
    assert pinyin_key("曾经", person=False)[0][0][1] == "ceng"
    # Only the first character is a surname: 张乐 is zhāng lè, not yuè.
    assert [e[1] for e in pinyin_key("张乐", person=True)[0]] == ["zhang", "le"]


def test_people_sort_by_surname_reading():
    names = ["张三", "单雄信", "邓小平", "曾国藩", "蔡元培", "孙权", "谢安", "解缙", "朴槿", "潘安"]
    ordered = sorted(names, key=lambda n: pinyin_key(n, person=True))
    assert ordered == [
        "蔡元培", "邓小平", "潘安", "朴槿", "单雄信", "孙权", "谢安", "解缙", "曾国藩", "张三"
    ]  # fmt: skip
    # Code-point order would put them anywhere: 单 (U+5355) before 孙 (U+5B59) before 张.
    assert sorted(names) != ordered


def test_mixed_latin_digits_and_punctuation():
    names = ["中心", "10号楼", "2号楼", "Zeta公益", "爱心社", "abd公益", "ABC社工", "阿姨团"]
    names.append("“爱在清晨”")
    assert sorted(names, key=pinyin_key) == [
        "2号楼", "10号楼", "阿姨团", "ABC社工", "abd公益", "爱心社", "“爱在清晨”", "Zeta公益",
        "中心",
    ]  # fmt: skip
    # Case and width do not change the order; the text breaks the tie, so the order is total.
    assert pinyin_key("abc")[0] == pinyin_key("ABC")[0] == pinyin_key("ＡＢＣ")[0]
    assert pinyin_key("abc") != pinyin_key("ABC")
    # Digit runs of any length and script compare as numbers and never fail.
    assert pinyin_key("٢号") < pinyin_key("10号")
    assert pinyin_key("9" * 5000) > pinyin_key("1" * 4999)
    assert pinyin_key("") == ((), "")


def test_pinyin_ordered_reads_one_page_of_rows(world, django_assert_num_queries):
    for name in ["张家宅", "阿拉宅", "陈家宅", "白家宅"]:
        CommunityFactory(subdistrict=world.subdistrict, name=name)
    rows = PinyinOrdered(
        Community.objects.filter(name__endswith="宅"), ["name"], key=lambda r: pinyin_key(r[1])
    )
    with django_assert_num_queries(2):  # the keys, then the page
        assert len(rows) == 4
        assert [c.name for c in rows[1:3]] == ["白家宅", "陈家宅"]
    assert rows[0].name == "阿拉宅" and rows[-1].name == "张家宅"


# The query as typed.


@pytest.mark.parametrize(
    ("raw", "text", "terms"),
    [
        ("  正学  ", "正学", ("正学",)),
        ("ＡＢＣ１", "ABC1", ("ABC1",)),  # full-width letters and digits
        ("金水\u3000苑", "金水 苑", ("金水", "苑")),  # ideographic space separates terms
        ("正\x00学\u200b", "正学", ("正学",)),  # NUL and zero-width space dropped
        ("苑 苑", "苑 苑", ("苑",)),
    ],
)
def test_query_is_cleaned(raw, text, terms):
    query = search.parse(raw)
    assert (query.text, query.terms, query.error) == (text, terms, "")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (None, "请输入要查找的名称"),
        ("", "请输入要查找的名称"),
        (" \t\u3000\n", "请输入要查找的名称"),
        ("\x00\x01", "请输入要查找的名称"),
        ("正" * 51, "最多 50 个字"),
        ("一 二 三 四 五 六", "最多 5 个"),
    ],
)
def test_unusable_queries_get_a_message_and_touch_no_table(
    world, client, django_assert_num_queries, raw, message
):
    assert message in search.parse(raw).error
    cache.clear()
    with django_assert_num_queries(0):
        response = client.get(reverse("search"), {} if raw is None else {"q": raw})
    body = response.content.decode()
    if raw and "\x00" in raw:
        # A NUL byte is refused for every page before any view (jinhai.middleware), in Chinese.
        assert response.status_code == 400 and "请求无效" in body
        return
    assert response.status_code == 200
    if raw is None:  # the bare page asks, and scolds nobody
        assert message not in body and 'role="search"' in body
    else:
        assert message in body


# The page.


def test_search_finds_every_kind_by_a_substring(world, client):
    names, totals = found(get(client, "正学"))
    assert names == {
        "communities": ["正学社区"],
        "compounds": ["正学苑"],
        "leaders": ["正学街面长", "正学楼组长"],  # jiē < lóu
        "fund_projects": ["正学苑非机动车车棚改造"],
        "organizations": ["上海市奉贤区正学社会工作服务社"],
        "stations": ["正学社区社工站"],
    }
    assert totals == {key: len(value) for key, value in names.items()}
    assert set(names) == set(KINDS)


def test_one_and_two_character_queries(world, client):
    names, _ = found(get(client, "丰"))
    assert names["communities"] == ["丰乐社区"] and names["compounds"] == ["丰乐苑"]
    assert names["stations"] == ["丰乐社区社工站"]
    names, _ = found(get(client, "书画"))
    assert names == {"organizations": ["上海市奉贤区金海书画协会"]}


def test_several_terms_must_all_match(world, client):
    names, _ = found(get(client, "正学 社区"))
    assert names == {"communities": ["正学社区"], "stations": ["正学社区社工站"]}
    names, _ = found(get(client, "服务 正学"))
    assert names == {"organizations": ["上海市奉贤区正学社会工作服务社"]}


def test_latin_letters_match_in_any_case(world, client):
    SocialOrganizationFactory(subdistrict=world.subdistrict, name="ABC公益服务中心")
    for q in ["abc", "ABC", "aBc", "ＡＢＣ"]:
        names, _ = found(get(client, q))
        assert names == {"organizations": ["ABC公益服务中心"]}, q


def test_search_shows_only_what_public_pages_show(world, client):
    a = world.a
    # A leader whose term has ended is history, not a leader.
    past = VolunteerFactory(community=a.community, name="正学前任楼组长")
    AppointmentFactory(
        volunteer=past,
        building_group=BuildingGroupFactory(compound=a.compound, name="9号楼"),
        end=datetime.date(2023, 1, 1),
    )
    # A deregistered organization has no public page.
    SocialOrganizationFactory(
        subdistrict=world.subdistrict,
        name="正学已注销协会",
        status=OrganizationStatus.DEREGISTERED,
    )
    # A resident proposal staff have not reviewed is on no public page (tests/test_proposals.py);
    # a project of a year without an allocation is (the fund pages offer every year with one).
    FundProjectFactory(
        community=a.community,
        year=2019,
        title="正学苑未审核提议",
        household=world.a.points.household.household,
        review="pending",
    )
    FundProjectFactory(community=a.community, year=2019, title="正学苑旧年度项目")
    assert list(FundProject.objects.public().filter(year=2019).values_list("title", flat=True)) == [
        "正学苑旧年度项目"
    ]
    body = get(client, "正学").content.decode()
    assert "正学前任楼组长" not in body
    assert "正学已注销协会" not in body
    assert "正学苑未审核提议" not in body
    names, _ = found(get(client, "正学"))
    assert names["leaders"] == ["正学街面长", "正学楼组长"]


def test_leaders_are_names_and_units_with_no_phone(world, client):
    response = get(client, "楼组长")
    body = response.content.decode()
    assert not MOBILE.search(body)
    assert world.a.volunteer.mobile not in body
    assert world.a.volunteer.mobile[-4:] not in re.sub(r"<[^>]+>", " ", body)
    group = next(g for g in response.context["groups"] if g.kind.key == "leaders")
    hit = next(h for h in group.hits if h.name == world.a.volunteer.name)
    assert hit.detail == "正学社区 · 正学苑 1号楼 楼组长"
    assert hit.url == (
        reverse("volunteers:community", args=[world.a.community.pk]) + "#groups-heading"
    )
    assert client.get(hit.url.split("#")[0]).status_code == 200


def test_every_link_opens_a_public_page(world, client):
    response = get(client, "正学")
    for group in response.context["groups"]:
        for hit in group.hits:
            # A station's link goes on to its row on the page of the list that shows it.
            assert client.get(hit.url.split("#")[0], follow=True).status_code == 200, hit
    project = world.fund.project
    hits = {h.name: h.url for g in response.context["groups"] for h in g.hits}
    assert hits[project.title].endswith(f"?year={project.year}#project-{project.pk}")
    station = world.orgs.station_a
    assert hits["正学社区社工站"] == reverse("orgs:station", args=[station.pk])
    assert client.get(hits["正学社区社工站"])["Location"].endswith(
        f"?subdistrict={station.subdistrict_id}&page=1#station-{station.pk}"
    )


def test_query_is_echoed_escaped_and_terms_marked(world, client):
    body = get(client, '<script>alert("正学")</script>').content.decode()
    assert "<script>alert" not in body
    assert escape('<script>alert("正学")</script>') in body
    body = get(client, "学社").content.decode()
    assert "正<mark>学社</mark>区" in body
    SocialOrganizationFactory(subdistrict=world.subdistrict, name="<b>Abc</b>社")
    body = get(client, "abc").content.decode()
    assert "&lt;b&gt;<mark>Abc</mark>&lt;/b&gt;社" in body


def test_no_result_says_so(world, client):
    body = get(client, "不存在的名称").content.decode()
    assert "没有找到与“不存在的名称”相关的内容" in body


def grow(world, n, start=0):
    """n more rows of every kind, each named with 正学."""
    a = world.a
    for i in range(start, start + n):
        CommunityFactory(subdistrict=world.subdistrict, name=f"正学新村{i}社区")
        CompoundFactory(community=a.community, name=f"正学新苑{i}")
        volunteer = VolunteerFactory(community=a.community, name=f"正学志愿者{i}")
        group = BuildingGroupFactory(compound=a.compound, name=f"{i + 100}号楼")
        AppointmentFactory(volunteer=volunteer, building_group=group)
        FundProjectFactory(community=a.community, title=f"正学苑微更新{i}")
        SocialOrganizationFactory(subdistrict=world.subdistrict, name=f"正学睦邻服务社{i}")
        SocialWorkStationFactory(
            subdistrict=world.subdistrict, community=a.community, name=f"正学服务点{i}"
        )


def test_fixed_number_of_queries_whatever_the_data(world, client, django_assert_num_queries):
    # One query per kind: its first rows and, by a window function, how many match in all.
    assert [k.key for k in search.kinds()] == KINDS
    grow(world, 3)
    cache.clear()
    with django_assert_num_queries(len(KINDS)):
        response = client.get(reverse("search"), {"q": "正学"})
    _, totals = found(response)
    small = totals
    grow(world, 27, start=3)  # tenfold
    cache.clear()
    with django_assert_num_queries(len(KINDS)):
        response = client.get(reverse("search"), {"q": "正学"})
    names, totals = found(response)
    assert totals == {key: n + 27 for key, n in small.items()}
    assert all(len(hits) == min(total, search.PER_KIND) for hits, total in
               zip(names.values(), totals.values(), strict=True))  # fmt: skip
    body = response.content.decode()
    assert f"(32 条,显示前 {search.PER_KIND} 条)" in body  # the leaders: 2 + 30


def test_capped_group_keeps_the_best_matches(world, client):
    grow(world, 25)
    names, totals = found(get(client, "正学社区"))
    # The exact name first, then the names that start with the query, whatever pinyin says.
    assert names["communities"][0] == "正学社区"
    assert totals["communities"] == 1
    names, totals = found(get(client, "正学"))
    assert totals["communities"] == 26 and len(names["communities"]) == search.PER_KIND
    # The 20 shown are the shortest names (正学新村0社区 … 9, then 10 …), in pinyin order
    # (numbers as numbers): 正学社区 (shè) before 正学新村 (xīn).
    assert names["communities"] == ["正学社区"] + [f"正学新村{i}社区" for i in range(19)]


def test_directory_is_in_pinyin_order_across_pages(world, client):
    names = ["张江社区服务社", "阿拉志愿者协会", "陈家宅睦邻社", "白玉兰公益社", "ABC公益服务中心"]
    names += [f"分页机构{i:02d}" for i in range(30)]
    for name in names:
        SocialOrganizationFactory(subdistrict=world.subdistrict, name=name)
    listed = []
    for page in (1, 2):
        cache.clear()
        response = client.get(reverse("orgs:list"), {"type": "service", "page": page})
        listed += [o.name for o in response.context["organizations"]]
    services = [*names, world.orgs.service.name, world.orgs.elsewhere.name]
    assert listed == sorted(services, key=pinyin_key)
    assert listed[:3] == ["阿拉志愿者协会", "ABC公益服务中心", "白玉兰公益社"]


def test_header_search_box_on_every_page(world, client):
    for url in [reverse("home"), reverse("orgs:list"), reverse("search")]:
        body = client.get(url).content.decode()
        form = re.search(r'<form class="site-search"[^>]*>.*?</form>', body, re.S)[0]
        assert 'method="get"' in form and 'role="search"' in form
        assert f'action="{reverse("search")}"' in form
        assert '<label class="visually-hidden" for="site-search-q">' in form
        assert 'id="site-search-q"' in form and 'name="q"' in form


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    q=st.one_of(
        st.text(max_size=80),
        st.sampled_from(["%", "_", "\\", "%正%", "'; DROP TABLE x;--", "\x00", "𠀀", "🀄正学"]),
    )
)
def test_random_queries_never_break_the_page(world, client, q):
    if "\x00" in q:
        # Refused before any view, in Chinese (jinhai.middleware.RequestGuardMiddleware).
        response = client.get(reverse("search"), {"q": q})
        assert response.status_code == 400 and "请求无效" in response.content.decode()
        return
    response = get(client, q)
    query = search.parse(q)
    body = response.content.decode()
    if query.text:
        assert escape(query.text) in body
    assert ('id="search-results-heading"' in body) == query.runnable


# PostgreSQL: the trigram indexes.

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="pg_trgm indexes exist on PostgreSQL only"
)


@needs_postgresql
def test_pg_trgm_reads_chinese_in_this_database_locale(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT show_trgm('金海街道'), current_setting('lc_ctype')")
        trigrams, ctype = cursor.fetchone()
    # "  金", " 金海", "金海街", "海街道", "道  ": with LC_CTYPE C there would be none.
    assert len(trigrams) == 5, (ctype, trigrams)


def many_rows(world, n=2000):
    """n rows in each searched table, none of them named like the world's."""
    sd, community = world.subdistrict, world.a.community
    Community.objects.bulk_create(Community(subdistrict=sd, name=f"测试社区{i}") for i in range(n))
    Compound.objects.bulk_create(Compound(community=community, name=f"小区{i}") for i in range(n))
    Volunteer.objects.bulk_create(
        Volunteer(community=community, name=f"志愿者{i}", mobile=f"137{i:08d}") for i in range(n)
    )
    FundProject.objects.bulk_create(
        FundProject(
            community=community, year=2022, title=f"项目{i}", category="parking", amount_requested=1
        )
        for i in range(n)
    )
    SocialOrganization.objects.bulk_create(
        SocialOrganizationFactory.build(subdistrict=sd) for i in range(n)
    )
    SocialWorkStation.objects.bulk_create(
        SocialWorkStation(subdistrict=sd, level="N", name=f"服务站{i}") for i in range(n)
    )
    with connection.cursor() as cursor:
        # What VACUUM would do, inside the test's transaction: fresh rows wait in a GIN index's
        # pending list, which makes the planner price the index as if it were much bigger.
        for index in INDEXES:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
        cursor.execute("ANALYZE")
        # Over a few thousand rows the planner might still read the whole table; make it show
        # whether it can use the index at all.
        cursor.execute("SET LOCAL enable_seqscan = off")


INDEXES = [
    "community_name_trgm",
    "compound_name_trgm",
    "volunteer_name_trgm",
    "fund_project_title_trgm",
    "organization_name_trgm",
    "station_name_trgm",
]


@needs_postgresql
def test_searches_of_three_characters_use_the_trigram_indexes(world, client):
    many_rows(world)
    # Each kind's query as the search runs it (ranked, counted, joined to what a hit shows)
    # reads its table through its trigram index.
    query = search.parse("正学社")
    for kind, index in zip(search.kinds(), INDEXES, strict=True):
        plan = search.ranked(kind, query).explain()
        assert f"Bitmap Index Scan on {index}" in plan, plan
    # Two terms: both conditions go to the index.
    plan = search.ranked(search.kinds()[0], search.parse("正学 学社区")).explain()
    assert "Bitmap Index Scan on community_name_trgm" in plan, plan
    assert "~~ '%正学%'" in plan and "~~ '%学社区%'" in plan, plan
    # The bare QuerySet methods, ordered or not, are served the same way.
    plan = Compound.objects.matching(["正学苑"]).order_by().explain()
    assert "Bitmap Index Scan on compound_name_trgm" in plan, plan
    plan = SocialOrganization.objects.matching(["abc"]).explain()
    assert "Bitmap Index Scan on organization_name_trgm" in plan, plan
    # And it answers the same as without the index.
    names, _ = found(get(client, "正学社"))
    assert names == {
        "communities": ["正学社区"],
        "organizations": ["上海市奉贤区正学社会工作服务社"],
        "stations": ["正学社区社工站"],
    }


@needs_postgresql
def test_trigram_index_is_on_the_expression_icontains_uses(db):
    sql = str(SocialOrganization.objects.matching(["abc"]).query)
    assert 'UPPER("orgs_socialorganization"."name"::text) LIKE UPPER(' in sql
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'organization_name_trgm'")
        (definition,) = cursor.fetchone()
    assert "gin (upper((name)::text) gin_trgm_ops)" in definition


# In a browser: the header box works without JavaScript and fits a 360-pixel phone.

NARROW_PHONE = PHONE | {"viewport": {"width": 360, "height": 740}}


@needs_chromium
def test_search_from_the_header_in_a_browser(live_server, world):
    no_script = DESKTOP | {"java_script_enabled": False}
    with chromium() as browser:
        for options in (NARROW_PHONE, DESKTOP, no_script):
            # axe-core is a script: it checks the pages where scripts run.
            check = axe_violations if options is not no_script else lambda page: []
            with open_page(browser, **options) as (page, watch):
                page.goto(f"{live_server.url}/organizations/", wait_until="networkidle")
                assert page.locator("#site-search-q").is_visible()
                assert horizontal_overflow(page) <= 0
                page.fill("#site-search-q", "正学")
                page.press("#site-search-q", "Enter")
                page.wait_for_load_state("networkidle")
                assert page.url == f"{live_server.url}/search/?q=%E6%AD%A3%E5%AD%A6"
                headings = page.locator(".search-group h3").all_inner_texts()
                assert [h.split("(")[0] for h in headings] == [k.title for k in search.kinds()]
                assert page.locator("mark").first.inner_text() == "正学"
                assert horizontal_overflow(page) <= 0, options
                assert watch.console_errors == []
                assert watch.foreign(live_server.url) == []
                assert check(page) == [], options
                # An unusable query: the message, in the page, still a 200.
                response = page.goto(f"{live_server.url}/search/?q=%20%20")
                assert response.status == 200
                assert "请输入要查找的名称" in page.locator("main").inner_text()
                assert check(page) == [], options


def test_public_lists_of_names_are_in_pinyin_order(world, client):
    a = world.a
    names = ["张江苑", "阿拉苑", "陈家苑", "白玉苑"]
    expected = sorted([*names, a.compound.name], key=pinyin_key)
    assert expected == ["阿拉苑", "白玉苑", "陈家苑", "张江苑", "正学苑"]
    for name in names:
        BuildingGroupFactory(compound=CompoundFactory(community=a.community, name=name))
    for title in ["张江苑电梯加装", "阿拉苑车棚", "白玉苑绿化"]:
        FundProjectFactory(community=a.community, title=title)  # all 征集
    for name in ["张江社区服务社", "阿拉志愿者协会"]:
        organization = SocialOrganizationFactory(subdistrict=world.subdistrict, name=name)
        organization.communities.set([a.community])

    def context(name, *, key):
        cache.clear()
        return client.get(reverse(name, args=[a.community.pk])).context[key]

    assert [c.name for c in context("communities:detail", key="compounds")] == expected
    blocks = context("volunteers:community", key="compounds")
    assert [b["compound"]["name"] for b in blocks] == expected
    projects = [p.title for p in context("fund:community", key="projects")]
    assert projects[:3] == ["阿拉苑车棚", "白玉苑绿化", "张江苑电梯加装"]  # 征集, before 实施
    organizations = [(o.kind, o.name) for o in context("orgs:community", key="organizations")]
    # By type (the existing order: 社会团体 before 社会服务机构), then pinyin within it.
    assert organizations == [
        ("group", "上海市奉贤区金海书画协会"),
        ("service", "阿拉志愿者协会"),
        ("service", "上海市奉贤区正学社会工作服务社"),
        ("service", "张江社区服务社"),
    ]
