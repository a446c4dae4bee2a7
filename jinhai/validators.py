"""Validators shared by every app."""

import re

from django.core.exceptions import ValidationError

from .masking import fold, personal_numbers

# A fixed line: 区号-号码 (010, 02x or a 4-digit code, then a 7- or 8-digit local number that never
# starts with 0 or 1), optionally with an extension: 021-57123456, 0571-8765 4321-8001.
_LANDLINE = re.compile(r"^0(?:10|2\d|[3-9]\d{2})-?[2-9]\d{2,3}-?\d{4}(?:(?:-|转)\d{1,6})?$")
# The local number alone (the district's own code implied): 57123456.
_LOCAL = re.compile(r"^[2-9]\d{2,3}-?\d{4}$")
# Nationwide service numbers: 400-820-1234, 800-820-1234.
_SERVICE = re.compile(r"^[48]00-?\d{3}-?\d{4}$")

PERSONAL_NUMBER_MESSAGE = (
    "公开页面会显示此内容,不能含有手机号或身份证号(含 +86、空格、横线或全角数字写法);"
    "如需留联系方式,请填写办公固定电话。"
)


def validate_office_phone(value: str) -> None:
    """An office phone is shown in full on public pages, so it must be a fixed line.

    A personal mobile number must never be published, whatever it is dressed in (0139-12345678,
    +86 139 1234 5678, full-width digits); it belongs in a person's record, masked.
    """
    text = fold(value).strip()
    if personal_numbers(text):
        raise ValidationError(
            "办公电话须为固定电话(如 021-57123456);个人手机号不能作为公开的办公电话。",
            code="mobile_as_office_phone",
        )
    compact = re.sub(r"\s", "", text)
    if not any(p.match(compact) for p in (_LANDLINE, _LOCAL, _SERVICE)):
        raise ValidationError(
            "办公电话格式不正确,应为固定电话,如 021-57123456、57123456 或 400-820-1234。",
            code="invalid_office_phone",
        )


def validate_public_text(value) -> None:
    """Text that a public page shows carries no mobile or ID number, in any form people type
    them (the pages also mask them, `jinhai.masking.mask_text`, as a second line of defence)."""
    if value and personal_numbers(str(value)):
        raise ValidationError(PERSONAL_NUMBER_MESSAGE, code="personal_number_in_public_text")


def future_date_error(value, what: str) -> str | None:
    """A record of something that happened (a meeting, a payment, an inspection) cannot be
    dated after today in Shanghai: the message to show, or None."""
    from django.utils import timezone

    today = timezone.localdate()
    if value is not None and value > today:
        return f"{what}({value:%Y-%m-%d})不能晚于今天({today:%Y-%m-%d}):只能登记已经发生的事。"
    return None
