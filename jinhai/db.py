"""Query helpers shared by every app."""

from functools import cache, wraps
from operator import attrgetter

from django.db import connections, models, router
from django.db.migrations.operations.base import Operation
from django.db.models import F, Func, Q, Subquery
from django.db.models.functions import Coalesce

from .caching import data_changed
from .sorting import fill_sort_keys


def built_once(build):
    """`build()`'s QuerySet, resolved once per process; each call returns a fresh copy of it.

    Resolving a queryset's annotations (each correlated subquery is copied and resolved against
    the outer query) cost a public page more than PostgreSQL took to run it; a copy costs
    little. The copy is filtered, sliced and evaluated as usual; the built one never is. So
    `build` may depend on nothing that changes: not the request, not the date (a filter on
    today's date belongs on the copy).
    """
    built = cache(build)

    @wraps(build)
    def copy():
        return built().all()

    return copy


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
    fill_sort_keys(objs)
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs, batch_size=batch_size)
    else:
        _copy(model, objs, connection)
    # Neither COPY nor bulk_create sends post_save.
    data_changed(using=connection.alias)


def _copy(model, objs, connection) -> None:
    # The database numbers the keys; a column with a database default (the pinyin sort key) is
    # returned by INSERT too, but its value is set on the instance (fill_sort_keys): COPY it.
    fields = [
        f
        for f in model._meta.concrete_fields
        if not (getattr(f, "db_returning", False) and f.primary_key)
    ]
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
    models.OneToOneField,
)


def _copy_value(field, connection):
    plain = type(field) in _PLAIN_FIELDS or (
        type(field) is models.DateField and not field.auto_now and not field.auto_now_add
    )
    if plain:
        return attrgetter(field.attname)
    if type(field) is models.DateTimeField and (field.auto_now or field.auto_now_add):
        # One moment for the whole COPY (bulk_create would take a fresh one per row, microseconds
        # apart): set on each instance as pre_save sets it.
        from django.utils import timezone

        now = timezone.now()
        stored = field.get_db_prep_save(now, connection)

        def moment(obj):
            setattr(obj, field.attname, now)
            return stored

        return moment
    if isinstance(field, models.FileField):
        # A name already stored (or "" for none) has nothing to upload: pre_save would only wrap
        # it in a FieldFile to unwrap it again.
        slow = lambda obj: field.get_db_prep_save(field.pre_save(obj, True), connection)  # noqa: E731

        def name(obj):
            value = obj.__dict__.get(field.attname)
            return value if value.__class__ is str else slow(obj)

        return name
    return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), connection)


def contains_all(field: str, terms) -> Q:
    """Rows whose `field` contains every one of `terms`, ignoring the case of Latin letters.

    It is Django's `icontains`, which PostgreSQL runs as UPPER("col"::text) LIKE UPPER(%s):
    the expression the trigram indexes of `TrigramIndex` are built on, so that they serve it.
    """
    condition = Q()
    for term in terms:
        condition &= Q(**{f"{field}__icontains": term})
    return condition


class TrigramIndex(Operation):
    """A pg_trgm GIN index for substring search on a name column; nothing on other databases.

    Creates the pg_trgm extension first if needed (it is a trusted extension: the database
    owner may create it) and never drops it, since other indexes may use it. The index is on
    UPPER(column::text), the exact expression of Django's `icontains` on PostgreSQL; an index
    on the bare column would not serve it. The index is not part of the model state, so that
    SQLite and `makemigrations` never see it.
    """

    reversible = True

    def __init__(self, model_name: str, field_name: str, name: str):
        self.model_name = model_name
        self.field_name = field_name
        self.name = name

    def state_forwards(self, app_label, state):
        pass

    def _target(self, app_label, schema_editor, state):
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return None
        model = state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(connection.alias, model):
            return None
        return model

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = self._target(app_label, schema_editor, to_state)
        if model is None:
            return
        quote = schema_editor.quote_name
        column = quote(model._meta.get_field(self.field_name).column)
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {quote(self.name)} ON {quote(model._meta.db_table)} "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if self._target(app_label, schema_editor, from_state) is not None:
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(self.name)}")

    def describe(self):
        return f"Trigram index {self.name} on {self.model_name}.{self.field_name} (PostgreSQL)"

    @property
    def migration_name_fragment(self):
        return self.name


def fill_sort_keys_of(*labels):
    """A migration step that stores the pinyin key (jinhai.fields.PinyinSorted) on the rows
    already there, for the models named "app.Model"; undone, it leaves them."""
    from django.db.migrations import RunPython

    from .sorting import stored_sort_key

    def forwards(apps, schema_editor):
        for label in labels:
            model = apps.get_model(label)
            # A historical model has no class attributes: a person's name is told by its model.
            person = label == "volunteers.Volunteer"
            rows = list(model._default_manager.only("pk", "name"))
            for row in rows:
                row.sort_key = stored_sort_key(row.name, person=person)
            model._default_manager.bulk_update(rows, ["sort_key"], batch_size=2000)

    return RunPython(forwards, RunPython.noop, elidable=True)
