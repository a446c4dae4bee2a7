"""The "1+N+X" social-work stations (社工站): one comprehensive station (综合), N specialised ones
(专项) and X community ones (社区), shown on a map."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from communities.models import Community, Subdistrict, community_outside_subdistrict
from jinhai.db import contains_all
from jinhai.fields import PinyinSorted, PinyinSortedQuerySet
from jinhai.validators import validate_office_phone, validate_public_text

from ..validators import (
    CHINA_LATITUDE,
    CHINA_LONGITUDE,
    validate_latitude,
    validate_longitude,
)
from .organizations import SocialOrganization


class StationLevel(models.TextChoices):
    # The stored values are the article's "1+N+X", and sort in that order.
    COMPREHENSIVE = "1", "综合"
    SPECIALISED = "N", "专项"
    COMMUNITY = "X", "社区"


def _coordinate(label, validator, help_text):
    return models.DecimalField(
        label,
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[validator],
        help_text=help_text,
    )


class SocialWorkStationQuerySet(PinyinSortedQuerySet):
    def matching(self, terms):
        """Stations whose name contains every term (the public search)."""
        return self.filter(contains_all("name", terms))


class SocialWorkStation(PinyinSorted):
    """A social-work station (社工站) of the "1 (综合) + N (专项) + X (社区)" network."""

    community_path = "community"
    subdistrict_path = "subdistrict"

    subdistrict = models.ForeignKey(
        Subdistrict, on_delete=models.PROTECT, related_name="stations", verbose_name="街道"
    )
    level = models.CharField(
        "层级",
        max_length=1,
        choices=StationLevel.choices,
        help_text="综合社工站全街道一个;专项社工站服务某一领域;社区社工站设在社区。",
    )
    name = models.CharField("名称", max_length=100, validators=[validate_public_text])
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stations",
        verbose_name="所在社区",
        help_text="社区社工站必填,由该社区的工作人员维护;综合、专项社工站由街道维护,留空。",
    )
    hosting_organization = models.ForeignKey(
        SocialOrganization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stations",
        verbose_name="运营机构",
        help_text="承接运营的社会组织。",
    )
    address = models.CharField(
        "地址", max_length=200, blank=True, validators=[validate_public_text]
    )
    latitude = _coordinate("纬度", validate_latitude, "十进制度数,如 30.925;用于地图显示。")
    longitude = _coordinate("经度", validate_longitude, "十进制度数,如 121.508;用于地图显示。")
    services = models.TextField(
        "服务内容", blank=True, help_text="每行一项。", validators=[validate_public_text]
    )
    opening_hours = models.CharField(
        "开放时间",
        max_length=100,
        blank=True,
        help_text="如:工作日 9:00-17:00。",
        validators=[validate_public_text],
    )
    phone = models.CharField(
        "服务电话",
        max_length=30,
        blank=True,
        validators=[validate_office_phone],
        help_text="公开显示的固定电话,如 021-57123456。",
    )
    opened_on = models.DateField(
        "成立日期", null=True, blank=True, help_text="只知道年月时填该月 1 日。"
    )
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    objects = SocialWorkStationQuerySet.as_manager()

    class Meta:
        verbose_name = "社工站"
        verbose_name_plural = "社工站"
        ordering = ["level", "sort_order", "sort_key", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["subdistrict", "name"],
                name="station_name_unique_in_subdistrict",
                violation_error_message="该街道已有同名社工站。",
            ),
            models.UniqueConstraint(
                fields=["subdistrict"],
                condition=Q(level=StationLevel.COMPREHENSIVE),
                name="one_comprehensive_station_per_subdistrict",
                violation_error_message="每个街道只有一个综合社工站。",
            ),
            models.CheckConstraint(
                condition=~Q(level=StationLevel.COMPREHENSIVE) | Q(community__isnull=True),
                name="comprehensive_station_serves_whole_subdistrict",
                violation_error_message="综合社工站服务全街道,不选择所在社区。",
            ),
            models.CheckConstraint(
                condition=~Q(level=StationLevel.COMMUNITY) | Q(community__isnull=False),
                name="community_station_has_community",
                violation_error_message="社区社工站须选择所在社区。",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="station_coordinates_in_pairs",
                violation_error_message="经度和纬度须同时填写或同时留空。",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True)
                | Q(latitude__gte=CHINA_LATITUDE[0], latitude__lte=CHINA_LATITUDE[1]),
                name="station_latitude_in_china",
                violation_error_message="纬度不在中国境内。",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True)
                | Q(longitude__gte=CHINA_LONGITUDE[0], longitude__lte=CHINA_LONGITUDE[1]),
                name="station_longitude_in_china",
                violation_error_message="经度不在中国境内。",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def has_coordinates(self):
        return self.latitude is not None and self.longitude is not None

    def service_list(self):
        return [line.strip() for line in self.services.splitlines() if line.strip()]

    def clean(self):
        errors = community_outside_subdistrict(self)
        if (
            self.hosting_organization_id
            and self.subdistrict_id != self.hosting_organization.subdistrict_id
        ):
            errors["hosting_organization"] = "运营机构须是本街道的社会组织。"
        if errors:
            raise ValidationError(errors)
