"""Read side of the map of places: what a community's public page shows."""

from .sections import community_links


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
        "compounds": list(community.compounds.with_counts().order_by("sort_key", "name", "pk")),
        "street_zones": list(community.street_zones.all()),
        "links": community_links(community),
    }
