"""Validators shared by every app."""

import re

from django.core.exceptions import ValidationError

# 区号-号码, optionally with an extension: 021-57123456, 0571-87654321-8001.
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def validate_office_phone(value: str) -> None:
    """An office phone is shown in full on public pages, so it must be a fixed line.

    A personal mobile number must never be published; it belongs in a person's record, masked.
    """
    compact = value.replace(" ", "")
    if _MOBILE.match(compact):
        raise ValidationError(
            "办公电话须为固定电话(如 021-57123456);个人手机号不能作为公开的办公电话。",
            code="mobile_as_office_phone",
        )
    if not _LANDLINE.match(compact):
        raise ValidationError(
            "办公电话格式不正确,应为“区号-号码”,如 021-57123456。", code="invalid_office_phone"
        )


def future_date_error(value, what: str) -> str | None:
    """A record of something that happened (a meeting, a payment, an inspection) cannot be
    dated after today in Shanghai: the message to show, or None."""
    from django.utils import timezone

    today = timezone.localdate()
    if value is not None and value > today:
        return f"{what}({value:%Y-%m-%d})不能晚于今天({today:%Y-%m-%d}):只能登记已经发生的事。"
    return None
