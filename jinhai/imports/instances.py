"""The instances an import builds for the many rows of a file, and their model validation, at a
cost that does not grow with the work per row: a 100,000-row points file builds 100,000 entries
and checks them in a second or two instead of a dozen (bench/import_read.py)."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.base import ModelState
from django.db.models.expressions import DatabaseDefault

# Values whose field check depends on nothing but the value, and that no instance can change.
PLAIN_VALUES = frozenset(
    {str, int, float, bool, Decimal, datetime.date, datetime.datetime, datetime.time, uuid.UUID}
)


class Validation:
    """What `full_clean(exclude=…, validate_unique=False, validate_constraints=False)` says of
    each instance of one model, for many instances: a field's own checks (max length, choices,
    blank, validators) depend on its value alone, so each distinct value of a field is checked
    once; the model's `clean()`, which may compare fields, still runs for every instance.
    Relations, and values that are not plain (a file, a list), are checked per instance, as
    `full_clean` checks them. The messages are full_clean's, keyed by field name as in
    `ValidationError.message_dict`."""

    def __init__(self, model, exclude=()):
        exclude = set(exclude)
        self.fields = [f for f in model._meta.fields if f.name not in exclude and not f.generated]
        self.has_clean = model.clean is not models.Model.clean
        self.files = {f for f in self.fields if isinstance(f, models.FileField)}
        # (field name, type, value) -> (the cleaned value, the field's errors or None)
        self.checked: dict = {}

    def _check(self, field, raw, instance):
        if field.blank and raw in field.empty_values:
            return raw, None
        if isinstance(raw, DatabaseDefault):
            return raw, None
        try:
            return field.clean(raw, instance), None
        except ValidationError as exc:
            return raw, exc.error_list

    def errors(self, instance) -> dict[str, list[str]]:
        errors = {}
        for field in self.fields:
            if field in self.files and instance.__dict__.get(field.attname).__class__ is str:
                # A file field's stored name (or "" for none): reading the attribute would wrap
                # it in a FieldFile for every row; its checks (blank, null) read the name alone.
                raw = instance.__dict__[field.attname]
            else:
                raw = getattr(instance, field.attname)
            if field.is_relation or (raw is not None and raw.__class__ not in PLAIN_VALUES):
                cleaned, problem = self._check(field, raw, instance)
            else:
                key = (field.name, raw.__class__, raw)
                try:
                    cleaned, problem = self.checked[key]
                except KeyError:
                    cleaned, problem = self.checked[key] = self._check(field, raw, instance)
            if problem is not None:
                errors[field.name] = problem
            elif cleaned is not raw:
                setattr(instance, field.attname, cleaned)
        if self.has_clean:
            try:
                instance.clean()
            except ValidationError as exc:
                errors = exc.update_error_dict(errors)
        return ValidationError(errors).message_dict if errors else {}


class NewInstances:
    """New, unsaved instances of one model for the many rows of a file, about ten times cheaper
    than `Model(**kwargs)`: the model's defaults are worked out once (by building one instance
    the ordinary way) and each instance gets its values by position, as the rows a query reads.
    A foreign key is given as the related object, saved or not, and cached on the instance as
    assigning it would; its key is taken when the rows are written (bulk_insert). No pre_init or
    post_init is sent: these rows are written by bulk_insert, which sends no signals either, and
    the one receiver (django_cleanup, remembering a file to delete when a later save replaces
    it) has nothing to remember on a row inserted once."""

    def __init__(self, model, **common):
        prototype = model(**common)
        fields = model._meta.concrete_fields
        self.model = model
        self.position = {f.attname: i for i, f in enumerate(fields)}
        self.relations = {f.name: (i, f) for i, f in enumerate(fields) if f.many_to_one}
        self.attnames = [f.attname for f in fields]
        self.defaults = [prototype.__dict__[f.attname] for f in fields]
        self.common = [
            (self.relations[name][1], value)
            for name, value in common.items()
            if name in self.relations and value is not None
        ]

    def __call__(self, **values):
        row = self.defaults.copy()
        related = self.common.copy()
        for name, value in values.items():
            relation = self.relations.get(name)
            if relation is None:
                row[self.position[name]] = value
                continue
            i, field = relation
            if value is None:
                row[i] = None
            else:
                row[i] = getattr(value, field.target_field.attname)
                related.append((field, value))
        instance = self.model.__new__(self.model)
        instance._state = ModelState()
        # What Model.__init__ does for a fresh instance: each concrete field's value under its
        # attname (the descriptors of plain, file and key fields store exactly that).
        instance.__dict__.update(zip(self.attnames, row, strict=True))
        for field, value in related:
            field.set_cached_value(instance, value)
        return instance


def field_errors(instance, exclude=()) -> list[str]:
    """Model validation of one instance built during `resolve` (a new compound, a new person),
    without per-row queries: foreign keys and uniqueness are the resource's own business."""
    found = Validation(type(instance), exclude=exclude).errors(instance)
    return [m for messages in found.values() for m in messages]
