"""Read side of the map of places: what a community's public page shows."""

from jinhai.db import built_once

from .models import Compound
from .sections import community_links


@built_once
def _compounds_with_counts():
    return Compound.objects.with_counts().order_by("sort_key", "name", "pk")


def community_page(community):
    """The sitting committee (the latest election's members with their roles), the compounds in
    pinyin order with their counts, the street zones, and the other apps' pages about the
    community. Five queries."""
    election = community.current_election()
    members = []
    if election is not None:
        members = list(election.members.prefetch_related("roles").order_by("sort_order", "pk"))
    return {
        "election": election,
        "members": members,
        "compounds": list(_compounds_with_counts().filter(community=community)),
        "street_zones": list(community.street_zones.all()),
        "links": community_links(community),
    }
