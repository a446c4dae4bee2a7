"""Social organizations (社会组织) registered with a subdistrict, and their annual inspections.

An organization is registered with, and guided by, the street office's social-organization service
centre (社会组织服务中心): it belongs to a subdistrict, not to one community, and serves any number
of its communities. The centre keeps each one's annual inspection (年检).
"""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from communities.models import Community, Subdistrict
from jinhai.db import contains_all
from jinhai.fields import MobileField, PinyinSorted, PinyinSortedQuerySet
from jinhai.scoping import SUBDISTRICT_ONLY, ScopedQuerySet
from jinhai.validators import validate_office_phone, validate_public_text

from ..fields import CreditCodeField


class ServiceField(models.Model):
    """A field an organization works in (养老, 助残, ...): one list for every subdistrict."""

    name = models.CharField(
        "名称",
        max_length=20,
        unique=True,
        error_messages={"unique": "已有同名的服务领域。"},
        validators=[validate_public_text],
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


class SocialOrganizationQuerySet(PinyinSortedQuerySet):
    def matching(self, terms):
        """Organizations whose name contains every term (the public search)."""
        return self.filter(contains_all("name", terms))

    def active(self):
        return self.filter(status=OrganizationStatus.ACTIVE)


class SocialOrganization(PinyinSorted):
    community_path = SUBDISTRICT_ONLY
    subdistrict_path = "subdistrict"

    subdistrict = models.ForeignKey(
        Subdistrict,
        on_delete=models.PROTECT,
        related_name="social_organizations",
        verbose_name="所属街道",
        help_text="在该街道登记或备案,由街道社会组织服务中心做年检指导。",
    )
    name = models.CharField(
        "名称", max_length=100, help_text="与登记证书一致。", validators=[validate_public_text]
    )
    credit_code = CreditCodeField(
        "统一社会信用代码",
        unique=True,
        error_messages={"unique": "该统一社会信用代码已登记为另一个社会组织。"},
        help_text="18 位,见登记证书;最后一位是校验位,输错一个字符就会被发现。",
    )
    kind = models.CharField("类型", max_length=20, choices=OrganizationKind.choices)
    registration_authority = models.CharField(
        "登记管理机关",
        max_length=100,
        blank=True,
        default="上海市奉贤区民政局",
        validators=[validate_public_text],
    )
    registered_on = models.DateField("登记日期", null=True, blank=True)
    legal_representative = models.CharField(
        "法定代表人",
        max_length=30,
        blank=True,
        help_text="姓名会在公开页面显示。",
        validators=[validate_public_text],
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
    address = models.CharField(
        "办公地址", max_length=200, blank=True, validators=[validate_public_text]
    )
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
    introduction = models.TextField(
        "简介", blank=True, help_text="显示在公开页面。", validators=[validate_public_text]
    )

    objects = SocialOrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = "社会组织"
        verbose_name_plural = "社会组织"
        ordering = ["sort_key", "name"]
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
    subdistrict_path = "organization__subdistrict"

    organization = models.ForeignKey(
        SocialOrganization,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name="社会组织",
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
