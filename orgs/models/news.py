"""What the service centre publishes: information reports (信息报道) and public-welfare activities
(公益活动), with their photos."""

from django.core.exceptions import ValidationError
from django.db import models

from communities.models import Community, Subdistrict, community_outside_subdistrict
from jinhai.scoping import SUBDISTRICT_ONLY, ScopedQuerySet
from jinhai.uploads import PhotoField, RandomName, public_flag
from jinhai.validators import validate_public_text

from .organizations import SocialOrganization


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
    title = models.CharField("标题", max_length=120, validators=[validate_public_text])
    date = models.DateField("日期")
    text = models.TextField("正文", validators=[validate_public_text])
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


class ReportPhotoQuerySet(ScopedQuerySet):
    def shown_publicly(self):
        """The photos the news pages show: ticked 公开展示, of a published report. The media view
        (jinhai/media.py) serves these to anyone and nothing else of this model."""
        return self.filter(is_public=True, report__published=True)


class ReportPhoto(models.Model):
    # Scoped through its report, so that the media view can ask whether staff reach a photo.
    community_path = SUBDISTRICT_ONLY
    subdistrict_path = "report__subdistrict"
    public_file_fields = ("image",)

    report = models.ForeignKey(
        InfoReport, on_delete=models.CASCADE, related_name="photos", verbose_name="信息报道"
    )
    image = PhotoField("照片", upload_to=RandomName("orgs/reports"))
    is_public = public_flag("勾选后随报道在公开网站显示,任何人可看;有居民入镜须先征得同意。")
    caption = models.CharField(
        "说明", max_length=100, blank=True, validators=[validate_public_text]
    )
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    objects = ReportPhotoQuerySet.as_manager()

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
    title = models.CharField("活动名称", max_length=120, validators=[validate_public_text])
    date = models.DateField("日期")
    organizations = models.ManyToManyField(
        SocialOrganization,
        blank=True,
        related_name="welfare_activities",
        verbose_name="参与的社会组织",
    )
    place = models.CharField("地点", max_length=100, blank=True, validators=[validate_public_text])
    beneficiaries = models.PositiveIntegerField(
        "受益人数", null=True, blank=True, help_text="活动服务到的人数,不清楚可留空。"
    )
    description = models.TextField("活动内容", blank=True, validators=[validate_public_text])

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


class ActivityPhotoQuerySet(ScopedQuerySet):
    def shown_publicly(self):
        """The photos the activity pages show (every activity is public): ticked 公开展示."""
        return self.filter(is_public=True)


class ActivityPhoto(models.Model):
    community_path = "activity__community"
    subdistrict_path = "activity__subdistrict"
    public_file_fields = ("image",)

    activity = models.ForeignKey(
        PublicWelfareActivity,
        on_delete=models.CASCADE,
        related_name="photos",
        verbose_name="公益活动",
    )
    image = PhotoField("照片", upload_to=RandomName("orgs/activities"))
    is_public = public_flag("勾选后随活动在公开网站显示,任何人可看;有居民入镜须先征得同意。")
    caption = models.CharField(
        "说明", max_length=100, blank=True, validators=[validate_public_text]
    )
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    objects = ActivityPhotoQuerySet.as_manager()

    class Meta:
        verbose_name = "活动照片"
        verbose_name_plural = "活动照片"
        ordering = ["sort_order", "pk"]

    def __str__(self):
        return self.caption or f"照片 {self.pk}"
