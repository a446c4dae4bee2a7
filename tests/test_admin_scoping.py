"""Community scoping, tested through real admin URLs as named users."""

import logging

import pytest
from django.urls import reverse

from communities.models import BuildingGroup, CommitteeMember, Community, Compound, StreetZone


def url(obj_or_model, view, *args):
    meta = obj_or_model._meta
    if view in ("change", "delete", "history"):
        args = (obj_or_model.pk,)
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def changelist_pks(client, model, **params):
    response = client.get(url(model, "changelist"), params)
    assert response.status_code == 200
    return set(response.context["cl"].queryset.values_list("pk", flat=True))


SCOPED_OBJECTS = ["community", "compound", "building_group", "street_zone", "election", "member"]


@pytest.mark.parametrize("attr", SCOPED_OBJECTS)
def test_community_staff_lists_only_their_community(world, users, login, attr):
    obj_a, obj_b = getattr(world.a, attr), getattr(world.b, attr)
    client = login(users.staff_a)
    pks = changelist_pks(client, type(obj_a))
    assert obj_a.pk in pks
    assert obj_b.pk not in pks
    assert getattr(world.elsewhere, attr).pk not in pks


@pytest.mark.parametrize("attr", SCOPED_OBJECTS)
def test_street_staff_lists_their_subdistrict_only(world, users, login, attr):
    client = login(users.street)
    pks = changelist_pks(client, type(getattr(world.a, attr)))
    assert {getattr(world.a, attr).pk, getattr(world.b, attr).pk} <= pks
    assert getattr(world.elsewhere, attr).pk not in pks


@pytest.mark.parametrize("attr", SCOPED_OBJECTS)
@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_other_communitys_object_pages_are_404(world, users, login, attr, view):
    client = login(users.staff_a)
    # Community staff may not delete their own community; everything else of theirs is open.
    expected_own = 403 if (attr, view) == ("community", "delete") else 200
    assert client.get(url(getattr(world.a, attr), view)).status_code == expected_own
    assert client.get(url(getattr(world.b, attr), view)).status_code == 404


def test_cross_community_attempt_is_logged(world, users, login, caplog):
    client = login(users.staff_a)
    with caplog.at_level(logging.WARNING, logger="jinhai.scoping"):
        client.get(url(world.b.compound, "change"))
    assert "staff_a" in caplog.text and "compound" in caplog.text


def test_post_to_other_communitys_object_changes_nothing(world, users, login):
    client = login(users.staff_a)
    compound = world.b.compound
    response = client.post(
        url(compound, "change"), {"community": world.a.community.pk, "name": "改名"}
    )
    assert response.status_code == 404
    compound.refresh_from_db()
    assert compound.name == "丰乐苑" and compound.community == world.b.community

    response = client.post(url(compound, "delete"), {"post": "yes"})
    assert response.status_code == 404
    assert Compound.objects.filter(pk=compound.pk).exists()


def test_bulk_delete_action_ignores_other_communitys_rows(world, users, login):
    client = login(users.staff_a)
    client.post(
        url(StreetZone, "changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [world.b.street_zone.pk],
            "post": "yes",
        },
    )
    assert StreetZone.objects.filter(pk=world.b.street_zone.pk).exists()


def _inline_management(prefix, total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_cannot_move_a_row_into_another_community(world, users, login):
    client = login(users.staff_a)
    compound = world.a.compound
    data = {
        "community": world.b.community.pk,
        "name": compound.name,
        "households": "300",
        "address": "",
        **_inline_management("building_groups"),
    }
    response = client.post(url(compound, "change"), data)
    assert response.status_code == 200  # the form comes back with an error
    assert "选择一个有效的选项" in response.content.decode()
    compound.refresh_from_db()
    assert compound.community == world.a.community


def test_cannot_add_into_another_community(world, users, login):
    client = login(users.staff_a)
    before = Compound.objects.count()
    response = client.post(
        url(Compound, "add"),
        {
            "community": world.b.community.pk,
            "name": "新小区",
            **_inline_management("building_groups"),
        },
    )
    assert response.status_code == 200
    assert Compound.objects.count() == before


def test_building_group_choices_are_scoped(world, users, login):
    client = login(users.staff_a)
    response = client.post(
        url(BuildingGroup, "add"), {"compound": world.b.compound.pk, "name": "99号楼"}
    )
    assert response.status_code == 200
    assert not BuildingGroup.objects.filter(name="99号楼").exists()
    response = client.post(
        url(BuildingGroup, "add"), {"compound": world.a.compound.pk, "name": "99号楼"}
    )
    assert response.status_code == 302
    assert BuildingGroup.objects.get(name="99号楼").compound == world.a.compound


def test_autocomplete_is_scoped(world, users, login):
    client = login(users.staff_a)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "communities", "model_name": "compound", "field_name": "community"},
    )
    assert response.status_code == 200
    names = {r["text"] for r in response.json()["results"]}
    assert names == {"正学社区"}


def test_list_filter_offers_only_reachable_communities(world, users, login):
    client = login(users.staff_a)
    response = client.get(url(Compound, "changelist"))
    body = response.content.decode()
    assert "正学社区" in body and "丰乐社区" not in body


def test_search_does_not_reach_other_communities(world, users, login):
    client = login(users.staff_a)
    assert changelist_pks(client, CommitteeMember, q="丰乐") == set()


def test_community_staff_may_edit_own_office_phone_but_not_create_communities(world, users, login):
    client = login(users.staff_a)
    community = world.a.community
    data = {
        "subdistrict": world.subdistrict.pk,
        "name": community.name,
        "kind": community.kind,
        "sort_order": "0",
        "office_address": "新地址",
        "office_phone": "021-57189999",
        "office_hours": "",
        "introduction": "",
        **_inline_management("compounds", 1, 1),
        "compounds-0-id": world.a.compound.pk,
        "compounds-0-community": community.pk,
        "compounds-0-name": world.a.compound.name,
        "compounds-0-households": "300",
        "compounds-0-address": "",
        **_inline_management("street_zones", 1, 1),
        "street_zones-0-id": world.a.street_zone.pk,
        "street_zones-0-community": community.pk,
        "street_zones-0-name": world.a.street_zone.name,
        "street_zones-0-extent": "",
        "street_zones-0-shops": "",
    }
    response = client.post(url(community, "change"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    community.refresh_from_db()
    assert community.office_phone == "021-57189999"
    assert client.get(url(Community, "add")).status_code == 403


def test_community_staff_see_their_subdistrict_read_only(world, users, login):
    client = login(users.staff_a)
    response = client.get(url(world.subdistrict, "change"))
    assert response.status_code == 200
    assert b'name="name"' not in response.content  # read-only view, no input
    assert client.get(url(world.other_subdistrict, "change")).status_code == 404


def test_view_only_user_can_look_and_export_but_not_change_or_import(world, users, login):
    client = login(users.viewer)
    assert client.get(url(Compound, "changelist")).status_code == 200
    assert client.get(url(world.a.compound, "change")).status_code == 200
    assert client.get(url(Compound, "add")).status_code == 403
    assert client.get(url(Compound, "export")).status_code == 200
    response = client.post(url(world.a.compound, "change"), {"name": "x"})
    assert response.status_code == 403


def test_user_without_a_place_sees_nothing(world, login):
    from django.contrib.auth.models import Group

    from communities.roles import STREET_STAFF

    from .factories import UserFactory

    nomad = UserFactory(username="nomad")
    nomad.groups.add(Group.objects.get(name=STREET_STAFF))
    client = login(nomad)
    assert changelist_pks(client, Compound) == set()


def test_anonymous_is_sent_to_login(world, client):
    response = client.get(url(Compound, "changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    response = client.post(url(world.a.compound, "delete"), {"post": "yes"})
    assert response.status_code == 302
    assert Compound.objects.filter(pk=world.a.compound.pk).exists()


def test_export_is_scoped(world, users, login):
    client = login(users.staff_a)
    response = client.post(
        url(Compound, "export"),
        {
            "format": "1",
            "resource": "0",
            "compoundresource_id": "on",
            "compoundresource_name": "on",
        },
    )
    assert response.status_code == 200
    body = response.content.decode("utf-8-sig")
    assert "正学苑" in body and "丰乐苑" not in body
