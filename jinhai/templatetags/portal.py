"""Template filters every app's templates use: `{% load portal %}`."""

from django import template

from jinhai import masking

register = template.Library()

register.filter("mask_phone", masking.mask_phone)
register.filter("mask_id_number", masking.mask_id_number)


@register.filter
def percent(value, digits=1):
    """0.8123 -> "81.2%"; None or "" -> "—"."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{int(digits)}f}%"


register.filter("mask_room", masking.mask_room)


@register.filter
def share(value, maximum):
    """value / maximum as a whole percentage, for drawing bars: 0 when there is no maximum."""
    try:
        return round(float(value) * 100 / float(maximum)) if maximum else 0
    except (TypeError, ValueError):
        return 0
