"""Links to a row's page inside a loop, without resolving the URL pattern once per row:
`{% load links %}` then `<a href="{{ org.pk|link:'orgs:detail' }}">`.

`{% url 'orgs:detail' org.pk %}` reverses the whole URL configuration for every row; on a list of
thirty rows with two links each that is most of the time the page's own markup takes. `link`
reverses a name once (per script prefix) with a stand-in id, and then only puts each row's id in
its place. It is for the names whose one argument is an integer id; anything else is an error
at the first use, as `{% url %}` would be.
"""

from functools import lru_cache

from django import template
from django.urls import get_script_prefix, reverse

register = template.Library()

# No id of a row looks like this, and no path of the site contains it.
_STAND_IN = 7_654_321_987


@lru_cache(maxsize=64)
def _halves(viewname: str, prefix: str) -> tuple[str, str]:
    # `prefix` is part of the key only: reverse() reads the current script prefix itself.
    head, stand_in, tail = reverse(viewname, args=[_STAND_IN]).rpartition(str(_STAND_IN))
    if not stand_in:
        raise template.TemplateSyntaxError(f"{viewname} does not take an id")
    return head, tail


@register.filter
def link(pk, viewname):
    """The URL of `viewname` for the row with id `pk` (an int, as `{% url viewname pk %}`)."""
    head, tail = _halves(viewname, get_script_prefix())
    return f"{head}{int(pk)}{tail}"
