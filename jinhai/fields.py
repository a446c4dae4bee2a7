"""Model fields shared by every app."""

from django.core.exceptions import ValidationError
from django.db import models

from jinhai.imports import cells
from jinhai.scoping import ScopedQuerySet
from jinhai.sorting import SORT_KEY_LENGTH, fill_sort_keys, stored_sort_key


def validate_mobile(value) -> None:
    try:
        cells.phone(value)
    except ValueError as exc:
        raise ValidationError(str(exc), code="invalid_mobile") from exc


class MobileField(models.CharField):
    """A mainland mobile number, stored as 11 digits however it was typed or pasted.

    `138 1234 5678`, `+86 13812345678` and full-width digits become `13812345678`; anything else
    is refused by the validator with a Chinese message, in the admin and in imports alike.
    Normalising never raises, because Django also runs it on query values.
    """

    default_validators = [validate_mobile]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 11)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        # Room for what people type ("+86 138 1234 5678"); the model tidies it to 11 digits.
        return super().formfield(**{**kwargs, "max_length": 20})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return value
        try:
            return cells.phone(value)
        except ValueError:
            return value.strip()


class PinyinSortedQuerySet(ScopedQuerySet):
    """The queryset of a `PinyinSorted` model: its bulk writes keep the stored key as save()
    does, so that no import or service has to remember it."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        fill_sort_keys(objs)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        if self.model.sort_key_source in fields and "sort_key" not in fields:
            fill_sort_keys(objs)
            fields = [*fields, "sort_key"]
        return super().bulk_update(objs, fields, *args, **kwargs)


class PinyinSorted(models.Model):
    """A model whose lists are in pinyin order of `sort_key_source` (jinhai.sorting), sorted by
    the database: the key is stored on the row, indexed, and kept by save() and by the bulk
    paths: its queryset must be a `PinyinSortedQuerySet` (bulk_create, bulk_update), and
    jinhai.db.bulk_insert fills the key before its COPY."""

    sort_key_source = "name"
    sort_key_person = False

    sort_key = models.CharField(
        "拼音排序键",
        max_length=SORT_KEY_LENGTH,
        blank=True,
        default="",
        # Also in the database: a row written by SQL that knows no key (an older migration's
        # historical model, a COPY without the column) gets an empty key, not an error.
        db_default="",
        editable=False,
        db_index=True,
        help_text="由名称自动生成,列表按它以拼音顺序排列;无需填写。",
    )

    class Meta:
        abstract = True

    def fill_sort_key(self) -> None:
        source = getattr(self, self.sort_key_source) or ""
        self.sort_key = stored_sort_key(source, person=self.sort_key_person)

    def save(self, *args, **kwargs):
        self.fill_sort_key()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and self.sort_key_source in update_fields:
            kwargs["update_fields"] = {*update_fields, "sort_key"}
        super().save(*args, **kwargs)
