"""Community scoping: the one place that decides which rows a staff user may see and change.

A staff user belongs either to a subdistrict (街道: sees every community in it) or to one community
(居委会: sees only that community). Every model that belongs to a community says how to reach it
with a `community_path` lookup of any length ("" for Community itself, "community" for Compound,
"compound__community" for BuildingGroup, "inspection__enrollment__building_group__compound__
community" for a rectification, ...). A model whose rows may also belong to a whole subdistrict
(a street-wide training: community left empty) sets `subdistrict_path` too, again of any length
("campaign__subdistrict" for a campaign's standards); community staff then see those rows but
only street staff may change them. A model whose rows belong to a subdistrict and never to one
community (a social organization, its inspections) declares `community_path = SUBDISTRICT_ONLY`
and its `subdistrict_path`. Admin pages, autocomplete, foreign-key choices, imports and exports
all ask `Scope` and nothing else.

Which place a user belongs to is decided by the communities app, which owns the staff profile:
it registers `placement` at start-up (`register_placement`), so this module, the ground floor of
the portal, imports no app.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.db import models
from django.db.models import Q

logger = logging.getLogger("jinhai.scoping")

_NOWHERE = Q(pk__in=[])


class _SubdistrictOnly:
    """The `community_path` of rows that belong to a whole subdistrict and to no community."""

    def __repr__(self):
        return "SUBDISTRICT_ONLY"


SUBDISTRICT_ONLY = _SubdistrictOnly()

# (subdistrict_id, community_id) of a staff user, or None for someone placed nowhere.
Placement = tuple[int | None, int | None] | None
_placement: Callable[[object], Placement] | None = None


def register_placement(placement: Callable[[object], Placement]) -> None:
    """Say how to find where a (non-superuser) staff user works; see `Scope.for_user`."""
    global _placement
    _placement = placement


def is_scoped_model(model) -> bool:
    return hasattr(model, "community_path") or getattr(model, "is_subdistrict_model", False)


def is_subdistrict_only(model) -> bool:
    return getattr(model, "community_path", None) is SUBDISTRICT_ONLY


@dataclass(frozen=True)
class Scope:
    """What one user may reach. Build it with `Scope.for_user(user)`."""

    everything: bool = False
    subdistrict_id: int | None = None
    community_id: int | None = None

    @classmethod
    def for_user(cls, user) -> Scope:
        cached = getattr(user, "_jinhai_scope", None)
        if cached is not None:
            return cached
        scope = cls._build(user)
        if user is not None and getattr(user, "pk", None):
            user._jinhai_scope = scope
        return scope

    @classmethod
    def _build(cls, user) -> Scope:
        if user is None or not user.is_authenticated or not user.is_active:
            return cls()
        if user.is_superuser:
            return cls(everything=True)
        if _placement is None:
            raise RuntimeError("no placement registered: is the communities app installed?")
        place = _placement(user)
        if place is None:
            return cls()
        subdistrict_id, community_id = place
        return cls(subdistrict_id=subdistrict_id, community_id=community_id)

    @property
    def is_community_level(self) -> bool:
        return self.community_id is not None

    @property
    def reaches_anything(self) -> bool:
        return self.everything or self.subdistrict_id is not None

    @property
    def is_street_level(self) -> bool:
        """Sees a whole subdistrict (or everything): street-office staff and superusers."""
        return self.reaches_anything and not self.is_community_level

    def q(self, model) -> Q:
        """A filter that keeps only the rows of `model` this scope reaches."""
        if self.everything:
            return Q()
        if not self.reaches_anything:
            return _NOWHERE
        if getattr(model, "is_subdistrict_model", False):
            # Community staff may read their own subdistrict (to see where they belong).
            return Q(pk=self.subdistrict_id)
        path = model.community_path
        subdistrict_path = getattr(model, "subdistrict_path", None)
        if path is SUBDISTRICT_ONLY:
            # Read by everyone of the subdistrict; who may change them is `allows`'s business.
            return Q(**{subdistrict_path: self.subdistrict_id})
        if self.community_id is not None:
            own = Q(**{path or "pk": self.community_id})
            if subdistrict_path:
                own |= Q(**{f"{path}__isnull": True, subdistrict_path: self.subdistrict_id})
            return own
        if subdistrict_path:
            return Q(**{subdistrict_path: self.subdistrict_id})
        return Q(**{f"{path}__subdistrict" if path else "subdistrict": self.subdistrict_id})

    def filter(self, queryset: models.QuerySet) -> models.QuerySet:
        if not is_scoped_model(queryset.model):
            return queryset
        return queryset.filter(self.q(queryset.model))

    @cached_property
    def community_ids(self) -> frozenset[int]:
        from django.apps import apps

        # The community model by name: this module imports no app.
        community = apps.get_model("communities", "Community")
        return frozenset(self.filter(community.objects.all()).values_list("pk", flat=True))

    def allows(self, obj) -> bool:
        """Whether `obj` (saved or not) lies inside this scope, judged by its current field values.

        Used before saving, so that a row cannot be moved into another community by editing a
        foreign key.
        """
        if self.everything:
            return True
        if not self.reaches_anything:
            return False
        model = type(obj)
        if not is_scoped_model(model):
            return True
        if getattr(model, "is_subdistrict_model", False):
            # Whether one may *change* it is a permission question (community staff only view).
            return obj.pk == self.subdistrict_id
        community_id = community_id_of(obj)
        if community_id is None:
            if getattr(model, "subdistrict_path", None):
                # A subdistrict-wide row: street staff of that subdistrict only. None: the form
                # left the place blank, which its own validation reports.
                return not self.is_community_level and (
                    subdistrict_id_of(obj) in (None, self.subdistrict_id)
                )
            # Not yet attached to any community (a form left the field blank): the form's own
            # validation reports that; nothing here to reach.
            return True
        if self.is_community_level:
            return community_id == self.community_id
        return community_id in self.community_ids

    def can_see(self, obj) -> bool:
        """Whether `obj` may be looked at: what `allows`, plus subdistrict-wide rows of one's own
        subdistrict, which community staff read but do not change."""
        subdistrict_path = getattr(type(obj), "subdistrict_path", None)
        if subdistrict_path and not self.everything and community_id_of(obj) is None:
            return subdistrict_id_of(obj) == self.subdistrict_id
        return self.allows(obj)


def _follow(obj, path: str) -> int | None:
    """The id at the end of a lookup path on an instance (`"campaign__subdistrict"` is
    `obj.campaign.subdistrict_id`): related rows are fetched only where an id does not suffice."""
    *hops, last = path.split("__")
    target = obj
    for hop in hops:
        # A missing relation (None, or an unset required one) means no id.
        target = getattr(target, hop, None)
        if target is None:
            return None
    return getattr(target, f"{last}_id", None)


def community_id_of(obj) -> int | None:
    """The community an instance belongs to, or None (subdistrict-wide or not yet placed)."""
    path = type(obj).community_path
    if path is SUBDISTRICT_ONLY:
        return None
    return _follow(obj, path) if path else obj.pk


def subdistrict_id_of(obj) -> int | None:
    """The subdistrict of a row that declares `subdistrict_path`."""
    return _follow(obj, type(obj).subdistrict_path)


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user) -> ScopedQuerySet:
        return Scope.for_user(user).filter(self)


def log_cross_scope_attempt(request, model, object_id) -> None:
    logger.warning(
        "cross-community access refused: user=%s model=%s.%s pk=%s path=%s",
        getattr(request.user, "username", "?"),
        model._meta.app_label,
        model._meta.model_name,
        object_id,
        request.path,
    )
