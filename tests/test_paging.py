"""The public lists' paging helpers: a paginator that spares the COUNT(*) where the rows it reads
already tell it, and the `link` filter that builds a row's URL without reversing it per row."""

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse

from communities.models import Community
from jinhai.paging import ReadCountPaginator

from .factories import CommunityFactory

pytestmark = pytest.mark.django_db


def _communities(n):
    subdistrict = CommunityFactory(name="首个社区").subdistrict
    for i in range(n - 1):
        CommunityFactory(subdistrict=subdistrict, name=f"社区{i:03}")
    return Community.objects.order_by("pk")


def test_a_list_that_fits_on_its_first_page_counts_itself(django_assert_num_queries):
    rows = _communities(5)
    with django_assert_num_queries(1):
        page = ReadCountPaginator(rows, 30).get_page(None)
        assert page.paginator.count == 5 and page.paginator.num_pages == 1
        assert not page.has_other_pages()
    assert list(page.object_list) == list(rows)


def test_a_longer_list_is_counted_and_its_first_page_is_the_rows_read(django_assert_num_queries):
    rows = _communities(12)
    with django_assert_num_queries(2):
        page = ReadCountPaginator(rows, 5).get_page("1")
        assert page.paginator.count == 12 and len(page.object_list) == 5
    assert [c.pk for c in page.object_list] == [c.pk for c in rows[:5]]
    # Later pages and numbers that are not pages behave as Django's Paginator.
    assert len(ReadCountPaginator(rows, 5).get_page("3").object_list) == 2
    assert ReadCountPaginator(rows, 5).get_page("99").number == 3
    assert ReadCountPaginator(rows, 5).get_page("abc").number == 1


def test_a_count_the_view_knows_is_not_asked_again(django_assert_num_queries):
    rows = _communities(12)
    with django_assert_num_queries(1):
        page = ReadCountPaginator(rows, 5, count=12).get_page(None)
        assert page.paginator.num_pages == 3 and len(page.object_list) == 5
    empty = ReadCountPaginator(Community.objects.none(), 5).get_page(None)
    assert empty.paginator.count == 0 and list(empty.object_list) == []


def test_link_builds_the_url_reverse_would():
    template = Template("{% load links %}{{ pk|link:'orgs:detail' }} {{ pk|link:'fund:project' }}")
    assert template.render(Context({"pk": 42})) == (
        f"{reverse('orgs:detail', args=[42])} {reverse('fund:project', args=[42])}"
    )
    with pytest.raises(NoReverseMatch):  # a name without an id, as {% url %} would
        Template("{% load links %}{{ 1|link:'orgs:list' }}").render(Context())
