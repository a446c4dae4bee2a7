"""Every public page of the site, with where its sample arguments come from: the one list the
permission matrix, the query counts, the page cache's tests and the browser tests all read, so a
new public page is covered by all of them as soon as it is listed here.

A page's arguments are attribute paths into a "sample" namespace: the test `world` of
`conftest.py`, or `demo_sample()` for the demo data that the browser tests load.
`test_query_counts.test_every_public_url_is_a_listed_page` fails for a URL the permission matrix
calls public that is neither a page here nor an endpoint in NOT_PAGES.
"""

from operator import attrgetter
from types import SimpleNamespace

from django.urls import reverse

PAGES = {
    "home": (),
    "subdistrict": ("subdistrict",),
    "districts": (),
    "district": ("subdistrict",),
    "communities:list": (),
    "communities:detail": ("a.community",),
    "volunteers:community": ("a.community",),
    "agreements:list": (),
    "agreements:detail": ("a.points.scheme",),
    "agreements:community": ("a.community",),
    "fund:overview": (),
    "fund:community": ("a.community",),
    "fund:project": ("fund.project",),
    "campaign:list": (),
    "campaign:detail": ("fund.campaign",),
    "campaign:contest": ("fund.contest",),
    "orgs:list": (),
    "orgs:detail": ("orgs.service",),
    "orgs:news": (),
    "orgs:community": ("a.community",),
    "orgs:stations": (),
    "orgs:station_map": (),
    "figures": (),
    "search": (),
}

# Pages that show little without a query string get a sample one: a name that matches in the
# world and in the demo alike, or a sample object's id (`{subdistrict.pk}`, formatted with the
# sample).
QUERY_STRINGS = {
    "search": "q=正学",
    # The city's fund lists subdistricts; their communities are one subdistrict's page.
    "fund:overview": "subdistrict={subdistrict.pk}",
    # The station map shows the sample's subdistrict (without one, the first of its picker,
    # which depends on how the database orders names).
    "orgs:station_map": "subdistrict={subdistrict.pk}",
}

# Public URLs that are not HTML pages for residents (health checks, files): the permission
# matrix still has a row for each, the page tests skip them.
# 我的 and its claim form are open to anyone but private and never cached (tests/test_residents.py
# and tests/test_browser_residents.py cover them).
# The station map's markers are JSON that the map page's script fetches (tests/test_orgs.py).
NOT_PAGES = {
    "healthz",
    "residents:my",
    "residents:claim",
    "residents:take_part",
    "orgs:station_markers",
}


def args(name, sample):
    return [attrgetter(path)(sample).pk for path in PAGES[name]]


def address(name, sample):
    """The page's path (what `resolve()` takes)."""
    return reverse(name, args=args(name, sample))


def request_path(name, sample):
    """The path and sample query string to request the page with."""
    query = QUERY_STRINGS.get(name)
    if query:
        query = query.format(**vars(sample))
    return address(name, sample) + (f"?{query}" if query else "")


def demo_sample():
    """The demo's counterparts of the world's sample objects, chosen where the pages are fullest:
    the community with the most building groups, the scheme with the most accounts, the
    organization with the most activities, a project that has been paid."""
    from django.db.models import Count

    from communities.models import Community
    from orgs.models import SocialOrganization
    from self_governance.agreements.models import AgreementScheme
    from self_governance.campaign.models import Campaign, Contest
    from self_governance.fund.models import FundProject

    community = Community.objects.annotate(n=Count("compounds__building_groups")).latest("n")
    return SimpleNamespace(
        subdistrict=community.subdistrict,
        a=SimpleNamespace(
            community=community,
            points=SimpleNamespace(
                scheme=AgreementScheme.objects.public().annotate(n=Count("accounts")).latest("n")
            ),
        ),
        fund=SimpleNamespace(
            project=FundProject.objects.filter(expenditures__isnull=False)
            .annotate(n=Count("meetings", distinct=True))
            .latest("n", "pk"),
            campaign=Campaign.objects.latest("pk"),
            contest=Contest.objects.filter(published=True).latest("pk"),
        ),
        orgs=SimpleNamespace(
            service=SocialOrganization.objects.active()
            .annotate(n=Count("welfare_activities"))
            .latest("n", "pk")
        ),
    )
