"""Writes on the map of places that other apps call: finding or making the households (户) and
shops a spreadsheet or the demo names."""

from jinhai.imports import cells

from .models import Household, HouseholdKind


def room_key(group_id, room) -> tuple:
    """How a household is looked up: 101室 and 101 in one building group are one household."""
    return (group_id, cells.room(room))


def shop_key(zone_id, name) -> tuple:
    return (zone_id, cells.name_key(name))


def household_index(*, community_ids, households=None) -> dict:
    """Every household and shop of these communities by `room_key` / `shop_key`, one query.

    An import passes `households`, its user's scoped queryset (SheetResource.scoped), so that
    the lookup goes through the Scope like every other one it makes."""
    index = {}
    households = Household.objects.all() if households is None else households
    for household in households.filter(community_id__in=community_ids):
        if household.kind == HouseholdKind.SHOP:
            index[("shop", *shop_key(household.street_zone_id, household.shop_name))] = household
        else:
            index[("room", *room_key(household.building_group_id, household.room))] = household
    return index


def household_for_room(index, group, room) -> Household:
    """The household at this room of the group, from the index or new and unsaved (added to the
    index, so that the rows of one file share it); `households_save` writes the new ones."""
    key = ("room", *room_key(group.pk, room))
    household = index.get(key)
    if household is None:
        household = Household(
            kind=HouseholdKind.HOUSEHOLD,
            building_group=group,
            room=cells.room(room),
            community_id=group.compound.community_id,
        )
        index[key] = household
    return household


def household_for_shop(index, zone, name) -> Household:
    key = ("shop", *shop_key(zone.pk, name))
    household = index.get(key)
    if household is None:
        household = Household(
            kind=HouseholdKind.SHOP,
            street_zone=zone,
            shop_name=cells.text(name),
            community_id=zone.community_id,
        )
        index[key] = household
    return household


def households_save(*, households) -> None:
    """Write the unsaved ones among these households in one statement."""
    new = [h for h in households if h.pk is None]
    if new:
        Household.objects.bulk_create(new)
