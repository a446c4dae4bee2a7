"""Template filters every app's templates use: `{% load portal %}`."""

import re

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from jinhai import masking

register = template.Library()

register.filter("mask_phone", masking.mask_phone)
register.filter("mask_id_number", masking.mask_id_number)
# Free text on public pages: any mobile or ID number in it masked, however it is written. Safe
# in, safe out: it changes digits and separators only, never markup.
register.filter("mask_text", masking.mask_text, is_safe=True)


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


@register.filter
def mark_terms(text, terms):
    """`text` escaped, with each occurrence of the search terms in <mark> (Latin letters in any
    case): {{ hit.name|mark_terms:query.terms }}."""
    text = str(text)
    terms = sorted({t for t in terms or () if t}, key=len, reverse=True)
    if not terms:
        return escape(text)
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    parts, end = [], 0
    for match in pattern.finditer(text):
        parts += [escape(text[end : match.start()]), "<mark>", escape(match[0]), "</mark>"]
        end = match.end()
    parts.append(escape(text[end:]))
    return mark_safe("".join(parts))  # every piece of the text was escaped above


# What base.html links to on every page: the menu, the search form and the footer.
SITE_PAGES = {
    "home": "home",
    "communities": "communities:list",
    "orgs": "orgs:list",
    "stations": "orgs:stations",
    "figures": "figures",
    "my": "residents:my",
    "search": "search",
    "admin": "admin:index",
}
# (URLconf, script prefix, language) -> {key: address}: see site_urls.
_site_urls: dict[tuple, dict[str, str]] = {}


@register.simple_tag
def site_urls():
    """The addresses of SITE_PAGES, as `{% url %}` gives them, worked out once per process:
    `{% site_urls as site %}…{{ site.home }}`. Eight `{% url %}` on every page were most of the
    time base.html took to render. Keyed by what reverse() depends on, so a test that swaps the
    URLconf or a script prefix still gets its own."""
    key = (get_urlconf(), settings.ROOT_URLCONF, get_script_prefix(), translation.get_language())
    urls = _site_urls.get(key)
    if urls is None:
        urls = _site_urls[key] = {key: reverse(name) for key, name in SITE_PAGES.items()}
    return urls


@register.simple_tag
def figure(label, value, unit=""):
    """One figure of a `<dl class="figures">`: `{% figure "小区" n_compounds "个" %}`. A tag
    rather than an `{% include %}`: a subdistrict's page shows twelve, and each include cost
    more than the rest of the page's markup. The label is masked like any public text."""
    number = value if value else 0
    if unit:
        return format_html(
            '<div class="figure"><dt>{}</dt><dd><span class="figure-number">{}</span>'
            '<span class="figure-unit">{}</span></dd></div>',
            masking.mask_text(label),
            number,
            unit,
        )
    return format_html(
        '<div class="figure"><dt>{}</dt><dd><span class="figure-number">{}</span></dd></div>',
        masking.mask_text(label),
        number,
    )
