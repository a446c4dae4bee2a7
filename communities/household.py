"""The leaf of the place tree: the household (户) or shop a resident belongs to and takes part as,
its code (户码) and the sessions opened with it.

A code is shown once, on the card staff print, and kept only as a keyed hash (`codes.py`); the
sessions it opened end when it is renewed.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from jinhai.imports import cells
from jinhai.scoping import ScopedQuerySet
from jinhai.validators import validate_public_text


def community_of_place(obj):
    """The community of whatever names a building group or a street zone (a household, a
    leader's appointment), or None when it names neither."""
    if obj.building_group_id:
        return obj.building_group.compound.community_id
    if obj.street_zone_id:
        return obj.street_zone.community_id
    return None


class HouseholdKind(models.TextChoices):
    HOUSEHOLD = "household", "住户"
    SHOP = "shop", "商铺"


class HouseholdQuerySet(ScopedQuerySet):
    def with_address(self):
        return self.select_related("community", "building_group__compound", "street_zone")


class Household(models.Model):
    """The leaf of the place tree: a household (a building group + room) or a shop (a street
    zone + its name), what a resident belongs to and takes part as. Its community is copied from
    the building group or street zone on save, so that one path scopes both kinds."""

    community_path = "community"

    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name="社区",
        editable=False,
        help_text="由楼组或街面自动确定。",
    )
    kind = models.CharField(
        "类型", max_length=10, choices=HouseholdKind.choices, default=HouseholdKind.HOUSEHOLD
    )
    building_group = models.ForeignKey(
        "communities.BuildingGroup",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rooms",
        verbose_name="楼组",
        help_text="住户所在的楼组。",
    )
    room = models.CharField(
        "室号", max_length=20, blank=True, help_text="如 301(“301室”记为 301);公开时只显示首位。"
    )
    street_zone = models.ForeignKey(
        "communities.StreetZone",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shop_households",
        verbose_name="街面",
        help_text="商铺所在的街面。",
    )
    shop_name = models.CharField(
        "商铺名称",
        max_length=100,
        blank=True,
        help_text="商铺的招牌名;积分榜公开显示,不得含手机号或身份证号。",
        validators=[validate_public_text],
    )
    code_hash = models.CharField(
        "户码摘要",
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text="户码的密钥摘要(HMAC),不能还原出户码;领取时按它查找住户。",
    )
    code_issued_at = models.DateTimeField(
        "户码生成时间", null=True, blank=True, editable=False, help_text="最近一次生成户码的时间。"
    )

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = "住户/商铺"
        verbose_name_plural = "住户/商铺"
        ordering = ["community", "building_group", "room", "street_zone", "shop_name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind=HouseholdKind.HOUSEHOLD)
                    & Q(building_group__isnull=False)
                    & ~Q(room="")
                    & Q(street_zone__isnull=True)
                    & Q(shop_name="")
                )
                | (
                    Q(kind=HouseholdKind.SHOP)
                    & Q(street_zone__isnull=False)
                    & ~Q(shop_name="")
                    & Q(building_group__isnull=True)
                    & Q(room="")
                ),
                name="household_is_room_or_shop",
                violation_error_message="住户须填写楼组和室号;商铺须填写街面和商铺名称。",
            ),
            models.UniqueConstraint(
                fields=["building_group", "room"],
                condition=Q(kind=HouseholdKind.HOUSEHOLD),
                name="one_household_per_room",
                violation_error_message="该楼组已有这个室号的住户。",
            ),
            models.UniqueConstraint(
                fields=["street_zone", "shop_name"],
                condition=Q(kind=HouseholdKind.SHOP),
                name="one_shop_per_name_in_zone",
                violation_error_message="该街面已有同名商铺。",
            ),
        ]

    def __str__(self):
        if self.kind == HouseholdKind.SHOP:
            return self.shop_name
        return f"{self.building_group} {self.room}室" if self.building_group_id else self.room

    @property
    def full_address(self) -> str:
        """The address a code card carries: community, compound, building group and room."""
        if self.kind == HouseholdKind.SHOP:
            return f"{self.community.name} {self.street_zone.name} {self.shop_name}"
        group = self.building_group
        return f"{self.community.name} {group.compound.name} {group.name} {self.room}室"

    def place_community_id(self):
        return community_of_place(self)

    def clean(self):
        if self.kind == HouseholdKind.HOUSEHOLD and self.room:
            try:
                self.room = cells.room(self.room)
            except ValueError as exc:
                raise ValidationError({"room": str(exc)}) from exc

    def save(self, *args, **kwargs):
        community_id = self.place_community_id()
        if community_id:
            self.community_id = community_id
        super().save(*args, **kwargs)


class HouseholdSession(models.Model):
    """A household session opened with its code: the cookie carries a signed random key, the
    row its hash. It ends on logout, when the code is renewed, or after 90 days."""

    community_path = "household__community"

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="sessions", verbose_name="住户"
    )
    key_hash = models.CharField(
        "会话摘要", max_length=64, unique=True, editable=False, help_text="会话密钥的摘要。"
    )
    opened_at = models.DateTimeField("开始时间", auto_now_add=True)
    ended_at = models.DateTimeField(
        "结束时间", null=True, blank=True, help_text="退出、户码更换或到期时填写。"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "住户登录"
        verbose_name_plural = "住户登录"
        ordering = ["-opened_at"]

    def __str__(self):
        return f"{self.household} {self.opened_at:%Y-%m-%d %H:%M}"
