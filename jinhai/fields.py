"""Model fields shared by every app."""

from django.core.exceptions import ValidationError
from django.db import models

from jinhai.imports import cells


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
