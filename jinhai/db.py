"""Query helpers shared by every app."""

from django.db import models
from django.db.models import F, Func, Subquery


def subquery_count(queryset) -> Subquery:
    """A correlated COUNT subquery.

    Several of these can be annotated on one row without the join multiplication that
    `Count(..., distinct=True)` over several relations would cause.
    """
    return Subquery(
        queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"),
        output_field=models.IntegerField(),
    )
