"""Fragments of the communities' public pages: `{% load places %}`."""

from html import escape

from django import template
from django.utils.safestring import mark_safe

from jinhai.masking import mask_text
from jinhai.templatetags.links import link

register = template.Library()


@register.simple_tag
def community_cards(communities):
    """The cards of a list of communities (annotated `with_counts`), on the communities list and
    a subdistrict's page: one template pass per card was most of those pages' rendering time,
    so they are built here. Public text is masked; every value is escaped with html.escape,
    which is what django.utils.html.escape does without its per-call lazy check."""
    cards = []
    for community in communities:
        url = escape(link(community.pk, "communities:detail"))
        name = escape(mask_text(community.name))
        kind = escape(community.get_kind_display())
        counts = (
            f"{community.n_compounds} 个小区 · {community.n_building_groups} 个楼组 · "
            f"{community.n_street_zones} 个街面"
        )
        phone = ""
        if community.office_phone:
            masked = escape(mask_text(community.office_phone))
            phone = f'<p>居委会电话:<a href="tel:{masked}">{masked}</a></p>'
        cards.append(
            f'<li class="card"><h3><a href="{url}">{name}</a></h3><p class="muted">{kind}</p>'
            f"<p>{escape(counts)}</p>{phone}</li>"
        )
    return mark_safe(f'<ul class="cards">{"".join(cards)}</ul>')  # every value escaped above
