"""Links other apps add to a community's public page.

Apps point at communities, never the other way: an app that has a page about one community
registers it here in its AppConfig.ready(), and the community page lists what is registered.
"""

from django.urls import reverse

_links: list[tuple[str, str]] = []


def register_community_link(title: str, url_name: str) -> None:
    """`url_name` takes the community's pk as its one argument."""
    if (title, url_name) not in _links:
        _links.append((title, url_name))


def community_links(community) -> list[tuple[str, str]]:
    return [(title, reverse(url_name, args=[community.pk])) for title, url_name in _links]
