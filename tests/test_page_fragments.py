"""The pieces that make public pages cheap to render uncached (issue 17): the same markup as the
templates they replace, masked and escaped the same way."""

from types import SimpleNamespace

from django.template import engines
from django.urls import set_script_prefix

from communities.models import Community
from communities.templatetags.places import community_cards
from jinhai.db import built_once
from jinhai.templatetags.portal import figure, site_urls
from volunteers.templatetags.leaders import leader_rows


def test_site_urls_follow_the_script_prefix():
    assert site_urls()["home"] == "/" and site_urls()["communities"] == "/communities/"
    set_script_prefix("/portal/")
    try:
        assert site_urls()["home"] == "/portal/"
        assert site_urls()["admin"].startswith("/portal/")
    finally:
        set_script_prefix("/")
    assert site_urls()["home"] == "/"


def test_a_queryset_built_once_is_copied_for_each_caller(db):
    @built_once
    def everything():
        return Community.objects.order_by("pk")

    first, second = everything(), everything()
    assert first is not second and first.query is not second.query
    assert list(first.filter(pk=-1)) == [] and first._result_cache is None


def test_leader_rows_mask_the_mobile_and_escape_the_names():
    rows = leader_rows(
        [
            ({"name": "1号楼<b>"}, {"name": "张三 13812345678", "mobile": "13812345678"}),
            ({"name": "2号楼"}, None),
        ]
    )
    assert "13812345678" not in rows and rows.count("138****5678") == 2
    assert "1号楼&lt;b&gt;" in rows and "<b>" not in rows
    assert '<td class="vacant" colspan="2">暂缺</td>' in rows


def test_community_cards_mask_and_escape():
    community = SimpleNamespace(
        pk=7,
        name="金海<i>社区",
        get_kind_display=lambda: "商品房社区",
        n_compounds=2,
        n_building_groups=30,
        n_street_zones=1,
        office_phone="13912345678",
    )
    cards = community_cards([community])
    assert 'href="/communities/7/"' in cards and "金海&lt;i&gt;社区" in cards
    assert "13912345678" not in cards and 'href="tel:139****5678"' in cards
    assert "2 个小区 · 30 个楼组 · 1 个街面" in cards


def test_the_figure_tag_is_what_the_include_printed():
    rendered = (
        engines["django"]
        .from_string('{% include "includes/figure.html" with label="楼组" value=0 unit="个" %}')
        .render({})
    )
    assert figure("楼组", 0, "个") in rendered
    assert '<span class="figure-number">0</span><span class="figure-unit">个</span>' in rendered
    assert "figure-unit" not in figure("社工站", 3)
