from django.db import models

from .validators import normalize_credit_code, validate_credit_code


class CreditCodeField(models.CharField):
    """A unified social credit code, stored as 18 capitals however it was typed or pasted.

    `91350100m000100y43`, full-width characters and spaces become `91350100M000100Y43`, so that
    uniqueness and look-ups by code compare like with like.
    """

    default_validators = [validate_credit_code]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 18)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_credit_code(value) if value else value

    def formfield(self, **kwargs):
        # Room for a code pasted with spaces or dashes; to_python folds it to 18 characters.
        return super().formfield(**{"max_length": 40, **kwargs})
