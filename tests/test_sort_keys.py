"""The stored pinyin key (jinhai.fields.PinyinSorted): kept on save, by bulk inserts and by the
imports, and the order the public lists read from the database."""

import pytest
from django.urls import reverse

from communities.models import Community, Compound
from communities.resources import PlacesResource
from jinhai.db import bulk_insert
from jinhai.imports.formats import SheetFormat
from jinhai.sorting import pinyin_key, stored_sort_key
from orgs.models import SocialOrganization
from volunteers.models import Volunteer

from .factories import CompoundFactory, SocialOrganizationFactory, VolunteerFactory
from .sheets import csv_bytes

NAMES = ["正学苑", "丰乐苑", "10号楼", "2号楼", "阿拉丁", "ABC公益", "爱心", "“爱在清晨”",
         "金水新苑", "金水苑", "吕家宅", "路口", "长安", "重庆", "〇号"]  # fmt: skip


def test_the_stored_key_orders_as_the_pinyin_key():
    assert sorted(NAMES, key=stored_sort_key) == sorted(NAMES, key=pinyin_key)
    assert sorted(["张三", "单雄信", "曾国"], key=lambda n: stored_sort_key(n, person=True)) == [
        "单雄信", "曾国", "张三"
    ]  # fmt: skip


def test_save_keeps_the_key(world):
    compound = CompoundFactory(community=world.a.community, name="金水苑")
    assert compound.sort_key == stored_sort_key("金水苑")
    compound.name = "阿拉丁花园"
    compound.save(update_fields=["name"])
    compound.refresh_from_db()
    assert compound.sort_key == stored_sort_key("阿拉丁花园")
    leader = VolunteerFactory(community=world.a.community, name="单雄信")
    assert leader.sort_key.startswith("1shan00")


def test_bulk_inserts_keep_the_key(world):
    bulk_insert(Compound, [Compound(community=world.a.community, name="丰乐东苑")])
    assert Compound.objects.get(name="丰乐东苑").sort_key == stored_sort_key("丰乐东苑")


def test_imports_keep_the_key(world, users):
    rows = [["社区", "小区", "楼组"], ["正学社区", "正学东苑", "1号楼"]]
    dataset = SheetFormat.for_resource(PlacesResource)().create_dataset(csv_bytes(rows))
    result = PlacesResource(user=users.staff_a).import_data(
        dataset, dry_run=False, rollback_on_validation_errors=True, user=users.staff_a
    )
    assert not result.has_errors() and not result.has_validation_errors()
    assert Compound.objects.get(name="正学东苑").sort_key == stored_sort_key("正学东苑")


@pytest.mark.parametrize("model", [Community, Compound, SocialOrganization, Volunteer])
def test_every_row_of_the_world_has_its_key(world, model):
    for row in model.objects.all():
        assert row.sort_key == stored_sort_key(row.name, person=model.sort_key_person), row


def test_every_sorted_model_keeps_the_key_in_bulk():
    from django.apps import apps

    from jinhai.fields import PinyinSorted, PinyinSortedQuerySet

    sorted_models = [m for m in apps.get_models() if issubclass(m, PinyinSorted)]
    assert len(sorted_models) >= 5
    for model in sorted_models:
        assert isinstance(model._default_manager.all(), PinyinSortedQuerySet), model


def test_the_directory_is_in_pinyin_order_from_the_database(world, client):
    for name in ("上海市奉贤区阿福服务社", "上海市奉贤区长者之家服务社", "上海市奉贤区重阳服务社"):
        SocialOrganizationFactory(subdistrict=world.subdistrict, name=name)
    response = client.get(reverse("orgs:list"), {"type": "service"})
    names = [o.name for o in response.context["organizations"]]
    assert names == sorted(names, key=pinyin_key)
    assert len(names) >= 4
