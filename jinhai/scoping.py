"""Community scoping: the one place that decides which rows a staff user may see and change.

A staff user belongs either to a subdistrict (街道: sees every community in it) or to one community
(居委会: sees only that community). Every model that belongs to a community says how to reach it
with a `community_path` lookup ("" for Community itself, "community" for Compound,
"compound__community" for BuildingGroup, ...). A model whose rows may also belong to a whole
subdistrict (a street-wide training: community left empty) sets `subdistrict_path` too; community
staff then see those rows but only street staff may change them. Admin pages, autocomplete,
foreign-key choices, imports and exports all ask `Scope` and nothing else.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property

from django.db import models
from django.db.models import Q

logger = logging.getLogger("jinhai.scoping")

_NOWHERE = Q(pk__in=[])


def is_scoped_model(model) -> bool:
    return hasattr(model, "community_path") or getattr(model, "is_subdistrict_model", False)


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
        from communities.models import StaffProfile

        profile = (
            StaffProfile.objects.select_related("community")
            .filter(user_id=user.pk)
            .only("subdistrict_id", "community_id", "community__subdistrict_id")
            .first()
        )
        if profile is None:
            return cls()
        if profile.community_id:
            return cls(
                subdistrict_id=profile.community.subdistrict_id,
                community_id=profile.community_id,
            )
        return cls(subdistrict_id=profile.subdistrict_id)

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
        from communities.models import Community

        return frozenset(self.filter(Community.objects.all()).values_list("pk", flat=True))

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
            subdistrict_path = getattr(model, "subdistrict_path", None)
            if subdistrict_path:
                # A subdistrict-wide row: street staff of that subdistrict only.
                return not self.is_community_level and (
                    getattr(obj, f"{subdistrict_path}_id", None) in (None, self.subdistrict_id)
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
            return getattr(obj, f"{subdistrict_path}_id", None) == self.subdistrict_id
        return self.allows(obj)


def community_id_of(obj) -> int | None:
    """Follow `community_path` on an instance without touching the database where ids suffice."""
    path = type(obj).community_path
    if not path:
        return obj.pk
    *hops, last = path.split("__")
    target = obj
    for hop in hops:
        target = getattr(target, hop, None)
        if target is None:
            return None
    return getattr(target, f"{last}_id", None)


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
