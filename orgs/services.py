"""Writes that touch several rows: organizations with their service fields and communities.

The admin, the imports and the demo call these, so the rules live here once.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from jinhai.caching import data_changed

from .models import SocialOrganization

_RELATIONS = ("service_fields", "communities")


def check_communities(*, subdistrict_id, communities) -> None:
    """An organization serves communities of its own subdistrict only."""
    strays = [c.name for c in communities if c.subdistrict_id != subdistrict_id]
    if strays:
        raise ValidationError(f"服务社区须是所属街道的社区:{'、'.join(strays)}不是。")


@transaction.atomic
def organization_links_replace(*, links) -> None:
    """Replace the service fields and communities of saved organizations, in bulk.

    `links` is a list of (organization, service_fields, communities); None leaves that relation as
    it is, a list (even empty) replaces it. Two statements a relation, whatever the number of
    organizations: the import writes tens of them at once.
    """
    for index, name in enumerate(_RELATIONS, start=1):
        field = SocialOrganization._meta.get_field(name)
        through = field.remote_field.through
        own, other = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
        given = [(row[0], row[index]) for row in links if row[index] is not None]
        if not given:
            continue
        if name == "communities":
            for organization, communities in given:
                check_communities(
                    subdistrict_id=organization.subdistrict_id, communities=communities
                )
        through.objects.filter(**{f"{own}__in": [o.pk for o, _ in given]}).delete()
        through.objects.bulk_create(
            [
                through(**{own: organization.pk, other: target.pk})
                for organization, targets in given
                for target in {t.pk: t for t in targets}.values()
            ]
        )
    data_changed()  # writes to the through tables send no m2m_changed


@transaction.atomic
def organization_save(*, organization, service_fields=None, communities=None):
    """Validate and save one organization with its relations (the demo, and code elsewhere)."""
    organization.full_clean()
    organization.save()
    organization_links_replace(links=[(organization, service_fields, communities)])
    return organization
