"""Public lists in pages: every list a resident reads is bounded by the page, not by the data."""

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
