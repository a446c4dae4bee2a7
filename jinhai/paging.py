"""Public lists in pages: every list a resident reads is bounded by the page, not by the data."""

from django.core.paginator import Paginator

# A page that lists communities lists them up to this many (a district's few street offices);
# beyond it, a city's, it lists subdistricts or asks for one: the city's public figures have a
# row per subdistrict (jinhai.summaries), a superuser's dashboards count one subdistrict at a
# time (jinhai.figures.dashboard_scope), the directory's community filter wants a subdistrict.
CITY_ROWS = 30


class NearestPageMixin:
    """A ListView's `?page=`: a number out of range or not a number shows the nearest page, not
    an error page. Thirty rows a page unless the view says otherwise."""

    paginate_by = 30

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get("page"))
        return paginator, page, page.object_list, page.has_other_pages()


class ReadCountPaginator(Paginator):
    """A paginator that spares the COUNT(*) where it can: the first page of a list that fits on
    it (most lists, most visits) is read with one row more than a page, and a list shorter than
    that counts itself; a view that has counted the rows already (by kind, by level) passes
    `count=` and no page counts again. A longer list, or a later page, counts as Django's does.
    """

    def __init__(self, object_list, per_page, *args, count=None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        if count is not None:
            self.__dict__["count"] = count  # Paginator.count is a cached_property

    def get_page(self, number):
        if number not in (None, "", "1", 1) or "count" in self.__dict__:
            return super().get_page(number)
        fits = self.per_page + self.orphans
        rows = list(self.object_list[: fits + 1])
        if len(rows) <= fits:
            self.__dict__["count"] = len(rows)
            return self._get_page(rows, 1, self)
        # More than a page: counted after all, and the rows read serve as the first page, as
        # Paginator.page would have sliced them.
        self.count  # noqa: B018 (the cached_property runs the COUNT)
        return self._get_page(rows[: self.per_page], 1, self)
