"""Change lists that cost the same at any size: a count that stops at COUNT_CAP (then the
planner's estimate) and related filters whose choices are the user's scope, at most
FILTER_CHOICES of them. `jinhai.admin` re-exports them for every app's admin."""

import math
from functools import cached_property

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connections

from jinhai.scoping import Scope


class ScopedRelatedFilter(admin.RelatedFieldListFilter):
    """A list filter by a related place, scheme, campaign ...: its choices are the related rows
    in the user's scope. Django's RelatedOnlyFieldListFilter would read the distinct values of
    every listed row (a scan of the whole ledger for a filter by scheme); the related table is
    small, and scoping it keeps another community's names out of the sidebar."""

    def field_choices(self, field, request, model_admin):
        related = field.remote_field.model
        rows = Scope.for_user(request.user).filter(related._default_manager.all())
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            rows = rows.order_by(*ordering)
        # A city's superuser would get every compound, organization or activity (thousands, a
        # megabyte of sidebar): the first FILTER_CHOICES, and the one chosen. Any other is
        # reached by the search or from its own page's link, which filters by the same key.
        choices = [(row.pk, str(row)) for row in rows[: FILTER_CHOICES + 1]]
        if len(choices) > FILTER_CHOICES:
            choices = choices[:FILTER_CHOICES]
            offered = {str(k) for k, _ in choices}
            chosen = [v for v in self.lookup_val or [] if str(v) not in offered]
            choices += [(row.pk, str(row)) for row in rows.filter(pk__in=_keys(related, chosen))]
        return choices


def _keys(model, values) -> list:
    """Those of `values` that are keys of `model` (a filter's value typed into the address)."""
    keys = []
    for value in values:
        try:
            keys.append(model._meta.pk.to_python(value))
        except ValidationError:
            continue
    return keys


related_only = ScopedRelatedFilter

# How many choices a related list filter offers at most (see ScopedRelatedFilter).
FILTER_CHOICES = 100

# How many rows a change list counts exactly. Beyond it the count is an estimate and the pages
# stop there: nobody pages through ten thousand rows, they filter or search.
COUNT_CAP = 10_000


class BoundedPaginator(Paginator):
    """A change list's paginator whose COUNT reads at most COUNT_CAP + 1 rows.

    Past the cap an unfiltered list on PostgreSQL shows the planner's estimate of the table
    (`approximate`), a filtered one "more than COUNT_CAP"; either way the pages end at the cap,
    so no page asks the database to skip millions of rows.
    """

    @cached_property
    def count(self):
        counted = self.object_list.order_by()[: COUNT_CAP + 1].count()
        if counted <= COUNT_CAP:
            self.approximate = False
            return counted
        self.approximate = True
        return max(self._estimate(), counted)

    approximate = False

    @property
    def count_cap(self) -> int:
        return COUNT_CAP

    @property
    def count_cap_plus_one(self) -> int:
        return COUNT_CAP + 1

    def _estimate(self) -> int:
        queryset = self.object_list
        connection = connections[queryset.db]
        if connection.vendor != "postgresql" or queryset.query.where:
            return COUNT_CAP + 1
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [queryset.model._meta.db_table],
            )
            row = cursor.fetchone()
        return int(row[0]) if row else COUNT_CAP + 1

    @cached_property
    def num_pages(self):
        pages = super().num_pages
        if self.approximate:
            return min(pages, math.ceil(COUNT_CAP / self.per_page))
        return pages


def bound_change_list(model_admin) -> None:
    """Give another package's admin (a log that grows with every login or job) the same: the
    capped count, and no date drill-down, whose links read every row's date."""
    model_admin.paginator = BoundedPaginator
    model_admin.show_full_result_count = False
    model_admin.date_hierarchy = None
