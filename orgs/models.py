"""Social organizations (社会组织) of a subdistrict and its "1+N+X" social-work station network.

An organization is registered with, and guided by, the street office's social-organization service
centre (社会组织服务中心): it belongs to a subdistrict, not to one community, and serves any number
of its communities. The centre keeps each one's annual inspection (年检), publishes information
reports (信息报道) and organizes public-welfare activities (公益活动). Social-work stations
(社工站) are one comprehensive station (综合), N specialised ones (专项) and X community ones
(社区).
"""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from communities.models import Community, Subdistrict, community_outside_subdistrict
from jinhai.db import contains_all
from jinhai.fields import MobileField
from jinhai.scoping import ScopedQuerySet
from jinhai.uploads import PhotoField
from jinhai.validators import validate_office_phone

from .fields import CreditCodeField
from .validators import (
    CHINA_LATITUDE,
    CHINA_LONGITUDE,
    validate_latitude,
    validate_longitude,
)

# Scoping of rows that belong to a whole subdistrict and never to one community (an organization
# registered with the street office, its inspections, the centre's reports). Scope (jinhai.scoping)
# has no word for "subdistrict only", so the community path is one that every community of the
# row's subdistrict satisfies: community staff match it for every row of their own subdistrict
# (and no other), street staff are filtered by `subdistrict_path`, and on an instance the path
# yields no single community, so Scope treats the row as subdistrict-wide: community staff read
# it, only street staff change it. (Were Scope to learn "subdistrict only", this would go.)
SUBDISTRICT_ONLY = "subdistrict__communities"


class ServiceField(models.Model):
    """A field an organization works in (养老, 助残, ...): one list for every subdistrict."""

    name = models.CharField(
        "名称",
        max_length=20,
        unique=True,
        error_messages={"unique": "已有同名的服务领域。"},
    )
    sort_order = models.PositiveSmallIntegerField(
        "排序", default=0, help_text="数字小的排在前面;相同时按名称排序。"
    )

    class Meta:
        verbose_name = "服务领域"
        verbose_name_plural = "服务领域"
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class OrganizationKind(models.TextChoices):
    SERVICE = "service", "社会服务机构"
    GROUP = "group", "社会团体"
    FOUNDATION = "foundation", "基金会"


# The second character of a code issued by civil affairs (first character 5) names the kind.
KIND_BY_CREDIT_CODE = {
    "1": OrganizationKind.GROUP,
    "2": OrganizationKind.SERVICE,
    "3": OrganizationKind.FOUNDATION,
}


class OrganizationStatus(models.TextChoices):
    ACTIVE = "active", "正常"
    DEREGISTERED = "deregistered", "注销"
    REVOKED = "revoked", "撤销"


class SocialOrganizationQuerySet(ScopedQuerySet):
    def matching(self, terms):
        """Organizations whose name contains every term (the public search)."""
        return self.filter(contains_all("name", terms))

    def active(self):
        return self.filter(status=OrganizationStatus.ACTIVE)


class SocialOrganization(models.Model):
    community_path = SUBDISTRICT_ONLY
    subdistrict_path = "subdistrict"

    subdistrict = models.ForeignKey(
        Subdistrict,
        on_delete=models.PROTECT,
        related_name="social_organizations",
        verbose_name="所属街道",
        help_text="在该街道登记或备案,由街道社会组织服务中心做年检指导。",
    )
    name = models.CharField("名称", max_length=100, help_text="与登记证书一致。")
    credit_code = CreditCodeField(
        "统一社会信用代码",
        unique=True,
        error_messages={"unique": "该统一社会信用代码已登记为另一个社会组织。"},
        help_text="18 位,见登记证书;最后一位是校验位,输错一个字符就会被发现。",
    )
    kind = models.CharField("类型", max_length=20, choices=OrganizationKind.choices)
    registration_authority = models.CharField(
        "登记管理机关", max_length=100, blank=True, default="上海市奉贤区民政局"
    )
    registered_on = models.DateField("登记日期", null=True, blank=True)
    legal_representative = models.CharField(
        "法定代表人", max_length=30, blank=True, help_text="姓名会在公开页面显示。"
    )
    contact_mobile = MobileField(
        "联系手机",
        blank=True,
        help_text="法定代表人或联系人的手机号;只对工作人员显示,公开页面不显示。",
    )
    office_phone = models.CharField(
        "办公电话",
        max_length=30,
        blank=True,
        validators=[validate_office_phone],
        help_text="公开显示的固定电话,如 021-57123456;个人手机号请填在“联系手机”。",
    )
    address = models.CharField("办公地址", max_length=200, blank=True)
    service_fields = models.ManyToManyField(
        ServiceField, blank=True, related_name="organizations", verbose_name="服务领域"
    )
    communities = models.ManyToManyField(
        Community,
        blank=True,
        related_name="social_organizations",
        verbose_name="服务社区",
        help_text="本组织提供服务的社区,须是所属街道的社区。",
    )
    status = models.CharField(
        "状态",
        max_length=20,
        choices=OrganizationStatus.choices,
        default=OrganizationStatus.ACTIVE,
        help_text="注销、撤销的组织不再出现在公开名录和年检名单中,记录保留。",
    )
    introduction = models.TextField("简介", blank=True, help_text="显示在公开页面。")

    objects = SocialOrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = "社会组织"
        verbose_name_plural = "社会组织"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["subdistrict", "name"],
                name="social_organization_name_unique_in_subdistrict",
                violation_error_message="该街道已登记同名的社会组织。",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def public_phone(self):
        """The office phone as public pages may show it: a fixed line, never a personal mobile."""
        try:
            validate_office_phone(self.office_phone)
        except ValidationError:
            return ""
        return self.office_phone

    def clean(self):
        code = self.credit_code or ""
        expected = KIND_BY_CREDIT_CODE.get(code[1:2]) if code[:1] == "5" else None
        if expected and self.kind and self.kind != expected:
            raise ValidationError(
                {
                    "kind": f"统一社会信用代码第 2 位为“{code[1]}”,表示{expected.label},"
                    f"与类型“{self.get_kind_display()}”不符。"
                }
            )


class InspectionResult(models.TextChoices):
    PASSED = "passed", "合格"
    BASICALLY_PASSED = "basic", "基本合格"
    FAILED = "failed", "不合格"
    NOT_INSPECTED = "absent", "未参检"


class AnnualInspectionQuerySet(ScopedQuerySet):
    def overdue(self, today):
        """Returned for correction, past the deadline, and not yet corrected."""
        return self.filter(
            returned_for_correction=True,
            correction_deadline__lt=today,
            corrected_on__isnull=True,
        )


class AnnualInspection(models.Model):
    """One organization's annual inspection (年检) for one year."""

    community_path = SUBDISTRICT_ONLY
    subdistrict_path = "subdistrict"

    organization = models.ForeignKey(
        SocialOrganization,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name="社会组织",
    )
    # A copy of organization.subdistrict, kept by save(): Scope's checks on a single row follow
    # `subdistrict_path` one step only.
    subdistrict = models.ForeignKey(
        Subdistrict,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name="所属街道",
    )
    year = models.PositiveSmallIntegerField(
        "年度",
        validators=[MinValueValidator(2000, "年度不能早于 2000 年。")],
        help_text="年检针对的年度:2022 年度的年检一般在 2023 年上半年提交。",
    )
    submitted_on = models.DateField(
        "提交日期", null=True, blank=True, help_text="提交年检材料的日期;未参检的留空。"
    )
    result = models.CharField("年检结论", max_length=10, choices=InspectionResult.choices)
    returned_for_correction = models.BooleanField(
        "退回整改", default=False, help_text="材料或问题需要整改时勾选,并填写整改期限。"
    )
    correction_deadline = models.DateField("整改期限", null=True, blank=True)
    corrected_on = models.DateField(
        "整改完成日期", null=True, blank=True, help_text="整改完成后填写;逾期未填的列入逾期名单。"
    )
    guidance = models.TextField("年检指导意见", blank=True)

    objects = AnnualInspectionQuerySet.as_manager()

    class Meta:
        verbose_name = "年检"
        verbose_name_plural = "年检"
        ordering = ["-year", "organization__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"],
                name="inspection_once_per_year",
                violation_error_message="该社会组织这一年度已有年检记录。",
            ),
            models.CheckConstraint(
                condition=Q(returned_for_correction=False) | Q(correction_deadline__isnull=False),
                name="inspection_correction_has_deadline",
                violation_error_message="退回整改须填写整改期限。",
            ),
            models.CheckConstraint(
                condition=Q(returned_for_correction=True)
                | (Q(correction_deadline__isnull=True) & Q(corrected_on__isnull=True)),
                name="inspection_correction_fields_only_when_returned",
                violation_error_message="未退回整改的年检不填整改期限和整改完成日期。",
            ),
            models.CheckConstraint(
                condition=~Q(result=InspectionResult.NOT_INSPECTED) | Q(submitted_on__isnull=True),
                name="inspection_absent_has_no_submission",
                violation_error_message="“未参检”的年检没有提交日期。",
            ),
        ]

    def __str__(self):
        if not self.organization_id:
            return f"{self.year} 年度年检"
        return f"{self.organization} {self.year} 年度年检"

    @property
    def is_overdue(self):
        return (
            self.returned_for_correction
            and self.corrected_on is None
            and self.correction_deadline is not None
            and self.correction_deadline < timezone.localdate()
        )

    def clean(self):
        errors = {}
        today = timezone.localdate()
        if self.year and self.year > today.year:
            errors["year"] = f"年度 {self.year} 还没有到,不能登记未来年度的年检。"
        if self.submitted_on and self.submitted_on > today:
            errors["submitted_on"] = "提交日期不能晚于今天。"
        elif self.submitted_on and self.year and self.submitted_on < datetime.date(self.year, 1, 1):
            errors["submitted_on"] = f"提交日期不能早于 {self.year} 年。"
        if errors:
            raise ValidationError(errors)
        if self.organization_id:
            self.subdistrict_id = self.organization.subdistrict_id

    def save(self, *args, **kwargs):
        if self.organization_id:
            self.subdistrict_id = self.organization.subdistrict_id
        super().save(*args, **kwargs)


class InfoReport(models.Model):
    """An information report (信息报道) the service centre publishes."""

    community_path = SUBDISTRICT_ONLY
    subdistrict_path = "subdistrict"

    subdistrict = models.ForeignKey(
        Subdistrict, on_delete=models.PROTECT, related_name="info_reports", verbose_name="街道"
    )
    organization = models.ForeignKey(
        SocialOrganization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name="相关社会组织",
        help_text="报道某一社会组织时选择;街道综合报道留空。",
    )
    title = models.CharField("标题", max_length=120)
    date = models.DateField("日期")
    text = models.TextField("正文")
    published = models.BooleanField("公开", default=True, help_text="取消勾选则不在公开网站显示。")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "信息报道"
        verbose_name_plural = "信息报道"
        ordering = ["-date", "title"]

    def __str__(self):
        return self.title

    def clean(self):
        if (
            self.organization_id
            and self.subdistrict_id
            and self.organization.subdistrict_id != self.subdistrict_id
        ):
            raise ValidationError({"organization": "社会组织须属于所选街道。"})


class ReportPhoto(models.Model):
    report = models.ForeignKey(
        InfoReport, on_delete=models.CASCADE, related_name="photos", verbose_name="信息报道"
    )
    image = PhotoField("照片", upload_to="orgs/reports/")
    caption = models.CharField("说明", max_length=100, blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "报道照片"
        verbose_name_plural = "报道照片"
        ordering = ["sort_order", "pk"]

    def __str__(self):
        return self.caption or f"照片 {self.pk}"


class PublicWelfareActivity(models.Model):
    """A public-welfare activity (公益活动): street-wide (community empty) or in one community."""

    community_path = "community"
    subdistrict_path = "subdistrict"

    subdistrict = models.ForeignKey(
        Subdistrict,
        on_delete=models.PROTECT,
        related_name="welfare_activities",
        verbose_name="街道",
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="welfare_activities",
        verbose_name="社区",
        help_text="在某一社区开展的选择该社区;街道统一组织的留空。",
    )
    title = models.CharField("活动名称", max_length=120)
    date = models.DateField("日期")
    organizations = models.ManyToManyField(
        SocialOrganization,
        blank=True,
        related_name="welfare_activities",
        verbose_name="参与的社会组织",
    )
    place = models.CharField("地点", max_length=100, blank=True)
    beneficiaries = models.PositiveIntegerField(
        "受益人数", null=True, blank=True, help_text="活动服务到的人数,不清楚可留空。"
    )
    description = models.TextField("活动内容", blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "公益活动"
        verbose_name_plural = "公益活动"
        ordering = ["-date", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["subdistrict", "title", "date"],
                name="welfare_activity_unique_title_date",
                violation_error_message="同一天已有同名公益活动。",
            )
        ]

    def __str__(self):
        return f"{self.title}({self.date:%Y-%m-%d})" if self.date else self.title

    def clean(self):
        if errors := community_outside_subdistrict(self):
            raise ValidationError(errors)


class ActivityPhoto(models.Model):
    activity = models.ForeignKey(
        PublicWelfareActivity,
        on_delete=models.CASCADE,
        related_name="photos",
        verbose_name="公益活动",
    )
    image = PhotoField("照片", upload_to="orgs/activities/")
    caption = models.CharField("说明", max_length=100, blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "活动照片"
        verbose_name_plural = "活动照片"
        ordering = ["sort_order", "pk"]

    def __str__(self):
        return self.caption or f"照片 {self.pk}"


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


class SocialWorkStationQuerySet(ScopedQuerySet):
    def matching(self, terms):
        """Stations whose name contains every term (the public search)."""
        return self.filter(contains_all("name", terms))


class SocialWorkStation(models.Model):
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
    name = models.CharField("名称", max_length=100)
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
    address = models.CharField("地址", max_length=200, blank=True)
    latitude = _coordinate("纬度", validate_latitude, "十进制度数,如 30.925;用于地图显示。")
    longitude = _coordinate("经度", validate_longitude, "十进制度数,如 121.508;用于地图显示。")
    services = models.TextField("服务内容", blank=True, help_text="每行一项。")
    opening_hours = models.CharField(
        "开放时间", max_length=100, blank=True, help_text="如:工作日 9:00-17:00。"
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
        ordering = ["level", "sort_order", "name"]
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
