"""Validators of the social-organization app: the unified social credit code and coordinates."""

import re

from django.core.exceptions import ValidationError

from jinhai.imports import cells

# GB 32100-2015: 18 characters from 0-9 and the capital letters other than I, O, Z, S and V.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(CREDIT_CODE_ALPHABET)}
# Weight of position i (from 0) is 3**i mod 31.
_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_SHAPE = re.compile(rf"^[{CREDIT_CODE_ALPHABET}]{{18}}$")
# The first character is the registering authority (1-9, A-G, Y), then an institution type digit
# or letter, then a six-digit administrative-division code.
_HEAD = re.compile(r"^[1-9A-GY][0-9A-HJ-NP-RT-UW-Y]\d{6}")

_NOISE = re.compile(r"[\s\-—–_]")


def normalize_credit_code(value) -> str:
    """As staff type or paste it: full-width letters, lower case, spaces and dashes are folded."""
    return _NOISE.sub("", cells.halfwidth(cells.text(value))).upper()


def credit_code_check_character(first17: str) -> str:
    """The 18th character of a code whose first 17 characters are given."""
    total = sum(_VALUE[ch] * weight for ch, weight in zip(first17, _WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def with_check_character(first17: str) -> str:
    """A whole code from its first 17 characters (demo data, tests)."""
    return first17 + credit_code_check_character(first17)


def validate_credit_code(value: str) -> None:
    code = normalize_credit_code(value)
    if len(code) != 18:
        raise ValidationError(
            f"统一社会信用代码应为 18 位,“{value}”是 {len(code)} 位。", code="credit_code_length"
        )
    if not _SHAPE.match(code):
        bad = "".join(sorted({ch for ch in code if ch not in _VALUE}))
        raise ValidationError(
            f"统一社会信用代码含有不允许的字符“{bad}”(不使用 I、O、Z、S、V)。",
            code="credit_code_characters",
        )
    if not _HEAD.match(code):
        raise ValidationError(
            "统一社会信用代码的前 8 位应为登记管理部门码、机构类别码和 6 位行政区划码。",
            code="credit_code_head",
        )
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        # Most often one character was mistyped: the check character is what catches it.
        raise ValidationError(
            f"统一社会信用代码“{code}”校验位不正确,请核对是否有输错的字符。",
            code="credit_code_check",
        )


# Mainland China with its islands, as a box: enough to catch swapped or mistyped coordinates
# (0/0, latitude and longitude the wrong way round, a point in another country).
CHINA_LATITUDE = (3.8, 53.6)
CHINA_LONGITUDE = (73.5, 135.1)


def validate_latitude(value) -> None:
    low, high = CHINA_LATITUDE
    if value is not None and not low <= float(value) <= high:
        raise ValidationError(
            f"纬度 {value} 不在中国境内(应在 {low} 到 {high} 之间);请检查是否与经度填反。",
            code="latitude_outside_china",
        )


def validate_longitude(value) -> None:
    low, high = CHINA_LONGITUDE
    if value is not None and not low <= float(value) <= high:
        raise ValidationError(
            f"经度 {value} 不在中国境内(应在 {low} 到 {high} 之间);请检查是否与纬度填反。",
            code="longitude_outside_china",
        )
