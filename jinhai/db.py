"""Query helpers shared by every app."""

from operator import attrgetter

from django.db import connections, models, router
from django.db.models import F, Func, Subquery
from django.db.models.functions import Coalesce


def subquery_count(queryset) -> Subquery:
    """A correlated COUNT subquery.

    Several of these can be annotated on one row without the join multiplication that
    `Count(..., distinct=True)` over several relations would cause.
    """
    return Subquery(
        queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"),
        output_field=models.IntegerField(),
    )


def subquery_sum(queryset, field, output_field):
    """A correlated SUM subquery, 0 where there are no rows."""
    total = Subquery(
        queryset.order_by().annotate(t=Func(F(field), function="SUM")).values("t"),
        output_field=output_field,
    )
    return Coalesce(total, 0, output_field=output_field)


def bulk_insert(model, objs, *, batch_size=2000) -> None:
    """Insert many new rows as fast as the database allows.

    PostgreSQL gets COPY, several times faster than INSERT ... VALUES for tens of thousands of
    rows; other databases get bulk_create. The instances are not given primary keys on the COPY
    path: use bulk_create where the caller needs them.
    """
    if not objs:
        return
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs, batch_size=batch_size)
        return
    fields = [f for f in model._meta.concrete_fields if not getattr(f, "db_returning", False)]
    relations = [f for f in fields if f.is_relation]
    values = [_copy_value(f, connection) for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for obj in objs:
            for field in relations:
                # A related object saved after it was assigned (by bulk_create, say) has its
                # key now; bulk_create would pick it up the same way.
                if getattr(obj, field.attname) is None and field.is_cached(obj):
                    related = field.get_cached_value(obj)
                    setattr(obj, field.attname, related.pk if related else None)
            copy.write_row([value(obj) for value in values])


# Field types whose Python value psycopg adapts as Django would, with no pre_save of their own:
# for these COPY takes the attribute as it is, which is most of the cost saved over bulk_create.
_PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.BooleanField,
    models.DecimalField,
    models.ForeignKey,
)


def _copy_value(field, connection):
    plain = type(field) in _PLAIN_FIELDS or (
        type(field) is models.DateField and not field.auto_now and not field.auto_now_add
    )
    if plain:
        return attrgetter(field.attname)
    return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), connection)
