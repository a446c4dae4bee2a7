"""Demo household codes: one building group's households get codes the first time (printed, like
the staff passwords); a second run finds them coded and changes nothing."""

from communities import codes
from communities.models import BuildingGroup, Household


def demo_group():
    """The building group whose households the demo gives codes: the first with households."""
    return (
        BuildingGroup.objects.filter(rooms__isnull=False)
        .select_related("compound__community")
        .order_by("compound__community__sort_order", "compound__name", "pk")
        .first()
    )


def load(stdout):
    group = demo_group()
    if group is None:
        stdout.write("  没有住户,未生成户码")
        return
    households = Household.objects.filter(building_group=group).with_address().order_by("room")
    if households.filter(code_hash__isnull=False).exists():
        stdout.write(f"  {group.compound.community.name}{group} 已有户码,未改动")
        return
    issued = codes.codes_issue(households=households)
    stdout.write(f"  为 {group.compound.community.name}{group} 的 {len(issued)} 户生成户码:")
    for household, code in issued:
        stdout.write(f"    户码 {household.full_address} {code}")
