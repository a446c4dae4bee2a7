"""Spreadsheet resources of the communities app (the design's `places` contract)."""

from import_export import fields, widgets

from jinhai.imports import cells
from jinhai.imports.base import Column, SheetResource
from jinhai.imports.instances import field_errors

from .models import BuildingGroup, Community, Compound, StreetZone


def resolve_communities(records, reachable, column="社区"):
    """Map each record's community name to one of the `reachable` communities (the resource's
    `scoped(Community)`): one query.

    Names are compared after folding full-width characters and spaces. A name that exists only
    outside the user's scope is not found, and gets the same answer as a name nobody uses, so
    that no one learns anything of another community from an import.
    """
    by_key = {}
    for community in reachable.only("pk", "name", "subdistrict_id"):
        by_key.setdefault(cells.name_key(community.name), []).append(community)
    found = {}
    for record in records:
        name = record.values.get(column, "")
        candidates = by_key.get(cells.name_key(name), [])
        if len(candidates) == 1:
            found[record.number] = candidates[0]
        elif len(candidates) > 1:
            record.fail(column, f"社区“{name}”在多个街道中重名,请联系管理员")
        elif name:
            record.fail(column, not_reachable("社区", name))
    return found


def not_reachable(what, name):
    """The one answer for a place that does not exist and for one the user may not reach."""
    return f"本社区(本街道)没有{what}“{name}”:只能导入本社区(本街道)的数据,请核对名称"


COMPOUND = BuildingGroup._meta.get_field("compound")


# The template's drop-downs and example (`jinhai.imports.blank`), read through `resource.scoped`:
# the downloading user's own communities, compounds and street fronts, never another community's.


def community_names(resource):
    return resource.scoped(Community).order_by("name").values_list("name", flat=True)


def compound_names(resource):
    return (
        resource.scoped(Compound).order_by("community__name", "name").values_list("name", flat=True)
    )


def street_zone_names(resource):
    return (
        resource.scoped(StreetZone)
        .order_by("community__name", "name")
        .values_list("name", flat=True)
    )


def example_community(resource):
    """The community of the first compound on the list, so that the example's 社区 and 小区 go
    together."""
    first = (
        resource.scoped(Compound)
        .order_by("community__name", "name")
        .values_list("community__name", flat=True)
    )
    return next(iter(first), None) or next(iter(community_names(resource)), "")


COMMUNITY = Column("社区", required=True, options=community_names, example=example_community)


class PlacesResource(SheetResource):
    """小区楼组: creates missing compounds and building groups, updates 户数 and 地址."""

    key = "places"
    title = "小区楼组"
    columns = [
        COMMUNITY,
        Column("小区", required=True, options=compound_names, hint="新的小区名称会新建小区"),
        Column(
            "楼组",
            required=True,
            field="name",
            aliases=("楼组名称", "楼号"),
            example="1号楼",
            hint="同一小区内已有的楼组会更新户数和地址",
        ),
        Column(
            "户数",
            parse=lambda v: cells.integer(v, unit="户"),
            field="households",
            example=24,
            hint="整数,如 24 或 24户",
        ),
        Column("地址", field="address", example="金海路 100 弄 1 号"),
    ]
    update_fields = ["households", "address"]
    duplicate_column = "楼组"

    # Export: the same columns, so an exported file can be edited and imported again.
    community = fields.Field(
        attribute="compound__community__name", column_name="社区", readonly=True
    )
    compound_name = fields.Field(attribute="compound__name", column_name="小区", readonly=True)
    name = fields.Field(attribute="name", column_name="楼组")
    households = fields.Field(
        attribute="households", column_name="户数", widget=widgets.IntegerWidget()
    )
    address = fields.Field(attribute="address", column_name="地址")

    class Meta:
        model = BuildingGroup
        fields = ("community", "compound_name", "name", "households", "address")
        export_order = fields

    def resolve(self, records):
        found = resolve_communities(records, self.scoped(Community))
        community_ids = {c.pk for c in found.values()}
        compounds = {
            (c.community_id, cells.name_key(c.name)): c
            for c in self.scoped(Compound).filter(community_id__in=community_ids)
        }
        groups = {
            (g.compound_id, cells.name_key(g.name)): g
            for g in self.scoped(BuildingGroup).filter(compound__community_id__in=community_ids)
        }
        compound_errors = {}
        for record in records:
            community = found.get(record.number)
            if community is None or "小区" not in record.values or "楼组" not in record.values:
                continue
            compound_name = record.values["小区"]
            compound_key = (community.pk, cells.name_key(compound_name))
            compound = compounds.get(compound_key)
            if compound is None:
                compound = Compound(community=community, name=compound_name)
                compound_errors[compound_key] = field_errors(compound, exclude=["community"])
                compounds[compound_key] = compound
            for reason in compound_errors.get(compound_key, ()):
                record.fail("小区", reason)
            if record.errors:
                continue
            households = record.values.get("户数")
            address = record.values.get("地址", "")
            group_key = cells.name_key(record.values["楼组"])
            record.key = (*compound_key, group_key)
            group = groups.get((compound.pk, group_key))
            if compound.pk is None or group is None:
                group = BuildingGroup(
                    compound_id=compound.pk,
                    name=record.values["楼组"],
                    households=households,
                    address=address,
                )
                # Cache the compound on the row (new compounds have no key yet): later scope
                # and write steps read it from here, and it is cheaper than the descriptor.
                COMPOUND.set_cached_value(group, compound)
                record.is_new = True
            else:
                # The compound is at hand: keep later scope and key checks from loading it again.
                group.compound = compound
                if households is not None and households != group.households:
                    group.households = households
                    record.changed = True
                if address and address != group.address:
                    group.address = address
                    record.changed = True
            record.instance = group

    def save_records(self, records):
        # New compounds first: their new building groups need their keys.
        compounds = {id(r.instance.compound): r.instance.compound for r in records if r.is_new}
        Compound.objects.bulk_create(
            [c for c in compounds.values() if c.pk is None], batch_size=self.batch_size
        )
        super().save_records(records)
