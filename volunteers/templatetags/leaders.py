"""The leaders page's building-group rows: `{% load leaders %}`."""

from html import escape

from django import template
from django.utils.safestring import mark_safe

from jinhai.masking import mask_phone, mask_text

register = template.Library()


@register.simple_tag
def leader_rows(groups):
    """A compound's table rows on the leaders page, from the selector's (building group, leader
    or None) pairs of plain values: a community has hundreds of building groups, and rendering
    one template row per group was most of the page's rendering time. The name is masked like
    any public text, the mobile as a phone (138****1234)."""
    rows = []
    for group, leader in groups:
        # html.escape is what django.utils.html.escape does, without its per-call lazy check.
        unit = escape(mask_text(group["name"]))
        if leader:
            name, mobile = escape(mask_text(leader["name"])), escape(mask_phone(leader["mobile"]))
            rows.append(
                f'<tr><th scope="row">{unit}</th><td class="leader">{name}</td>'
                f"<td>{mobile}</td></tr>"
            )
        else:
            rows.append(
                f'<tr><th scope="row">{unit}</th><td class="vacant" colspan="2">暂缺</td></tr>'
            )
    return mark_safe("".join(rows))  # every value in the rows was escaped above
