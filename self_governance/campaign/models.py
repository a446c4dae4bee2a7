"""和美楼组 creation: a street-wide campaign. Building groups enrol, check themselves and each
other against the standard items (三清三美), the street office checks too, and what is found is put
right (整改). A contest (比学赶超) picks its best entries over rounds.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from communities.models import (
    BuildingGroup,
    Community,
    Subdistrict,
    community_outside_subdistrict,
)
from jinhai.scoping import ScopedQuerySet
from jinhai.uploads import PhotoField, RandomName
from jinhai.validators import future_date_error, validate_public_text


class Campaign(models.Model):
    """A campaign run by the street office (community empty) or by one community, like a
    training: community staff read the street's campaigns and run their own."""

    community_path = "community"
    subdistrict_path = "subdistrict"

    subdistrict = models.ForeignKey(
        Subdistrict, on_delete=models.PROTECT, related_name="campaigns", verbose_name="街道"
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name="社区",
        help_text="街道统一开展的创建留空;某个社区自己开展的选择该社区。",
    )
    year = models.PositiveSmallIntegerField(
        "年度", validators=[MinValueValidator(2000, "年度不能早于 2000 年。")]
    )
    name = models.CharField(
        "名称", max_length=100, help_text="如:“和美楼组”创建。", validators=[validate_public_text]
    )
    description = models.TextField(
        "简介", blank=True, help_text="公开显示。", validators=[validate_public_text]
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "创建活动"
        verbose_name_plural = "创建活动(和美楼组)"
        ordering = ["-year", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["subdistrict", "year", "name"],
                name="campaign_unique_in_subdistrict_year",
                violation_error_message="该街道这一年度已有同名的创建活动。",
            ),
        ]

    def __str__(self):
        return f"{self.year}年{self.name}" if self.year else self.name

    def clean(self):
        if errors := community_outside_subdistrict(self):
            raise ValidationError(errors)


class CampaignStandard(models.Model):
    """One standard item inspections score against (the 三清三美)."""

    community_path = "campaign__community"
    subdistrict_path = "campaign__subdistrict"

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="standards", verbose_name="创建活动"
    )
    name = models.CharField(
        "标准项", max_length=50, help_text="如:清堆物、楼道美。", validators=[validate_public_text]
    )
    description = models.CharField(
        "要求", max_length=200, blank=True, validators=[validate_public_text]
    )
    max_score = models.PositiveSmallIntegerField(
        "满分", validators=[MinValueValidator(1, "满分至少为 1。")]
    )
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "创建标准项"
        verbose_name_plural = "创建标准项"
        ordering = ["campaign", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "name"],
                name="standard_name_unique_in_campaign",
                violation_error_message="该创建活动已有同名的标准项。",
            ),
            models.CheckConstraint(
                condition=Q(max_score__gte=1),
                name="standard_max_score_positive",
                violation_error_message="满分至少为 1。",
            ),
        ]

    def __str__(self):
        return f"{self.name}({self.max_score}分)"


class Enrollment(models.Model):
    """A building group taking part in a campaign."""

    community_path = "building_group__compound__community"

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="enrollments", verbose_name="创建活动"
    )
    building_group = models.ForeignKey(
        BuildingGroup, on_delete=models.PROTECT, related_name="enrollments", verbose_name="楼组"
    )
    enrolled_on = models.DateField("报名日期", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "参创楼组"
        verbose_name_plural = "参创楼组"
        ordering = ["campaign", "building_group"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "building_group"],
                name="enrollment_once_per_campaign",
                violation_error_message="该楼组已报名参加这项创建。",
            ),
        ]

    def __str__(self):
        return str(self.building_group) if self.building_group_id else "参创楼组"

    def clean(self):
        if not (self.campaign_id and self.building_group_id):
            return
        community = self.building_group.compound.community
        if community.subdistrict_id != self.campaign.subdistrict_id:
            raise ValidationError({"building_group": "楼组须在创建活动所属的街道内。"})
        if self.campaign.community_id and community.pk != self.campaign.community_id:
            raise ValidationError({"building_group": "楼组须在开展创建的社区内。"})


class InspectionKind(models.TextChoices):
    SELF = "self", "自查"
    MUTUAL = "mutual", "互查"
    STREET = "street", "街道检查"


class Inspection(models.Model):
    """A check of one enrolled building group against the campaign's standards."""

    community_path = "enrollment__building_group__compound__community"

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.PROTECT, related_name="inspections", verbose_name="参创楼组"
    )
    kind = models.CharField("检查类型", max_length=10, choices=InspectionKind.choices)
    date = models.DateField("检查日期")
    inspector = models.CharField(
        "检查人",
        max_length=100,
        help_text="如:楼组长自查、金水新苑互查小组、街道自治办。不公开显示。",
    )
    findings = models.TextField("发现的问题", blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "创建检查"
        verbose_name_plural = "创建检查(自查、互查、街道检查)"
        ordering = ["-date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "kind", "date"],
                name="inspection_once_a_day",
                violation_error_message="该楼组这一天已有同类检查记录。",
            ),
        ]

    def __str__(self):
        if not self.enrollment_id:
            return "创建检查"
        return f"{self.enrollment} {self.get_kind_display()} {self.date:%Y-%m-%d}"

    def clean(self):
        if error := future_date_error(self.date, "检查日期"):
            raise ValidationError({"date": error})
        enrolled_on = self.enrollment.enrolled_on if self.enrollment_id else None
        if enrolled_on and self.date and self.date < enrolled_on:
            raise ValidationError(
                {"date": f"检查日期不能早于该楼组的报名日期({enrolled_on:%Y-%m-%d})。"}
            )


class InspectionScore(models.Model):
    """The score one inspection gave one standard item: between 0 and the item's full marks."""

    community_path = "inspection__enrollment__building_group__compound__community"

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="scores", verbose_name="检查"
    )
    standard = models.ForeignKey(
        CampaignStandard, on_delete=models.PROTECT, related_name="scores", verbose_name="标准项"
    )
    score = models.DecimalField("得分", max_digits=5, decimal_places=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "检查得分"
        verbose_name_plural = "检查得分"
        ordering = ["inspection", "standard__sort_order", "standard_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "standard"],
                name="score_once_per_standard",
                violation_error_message="这次检查已为该标准项打过分。",
            ),
            # The upper bound is the standard's full marks, another table: checked in clean().
            models.CheckConstraint(
                condition=Q(score__gte=0),
                name="score_not_negative",
                violation_error_message="得分不能小于 0。",
            ),
        ]

    def __str__(self):
        return f"{self.standard.name} {self.score}分" if self.standard_id else "检查得分"

    def clean(self):
        if not self.standard_id or self.score is None:
            return
        if self.score > self.standard.max_score:
            raise ValidationError(
                {"score": f"得分不能超过该项满分 {self.standard.max_score} 分,也不能小于 0。"}
            )
        if self.score < 0:
            raise ValidationError({"score": "得分不能小于 0。"})
        if self.inspection_id and (
            self.standard.campaign_id != self.inspection.enrollment.campaign_id
        ):
            raise ValidationError({"standard": "标准项须属于该楼组参加的创建活动。"})


class RectificationStatus(models.TextChoices):
    PENDING = "pending", "待整改"
    IN_PROGRESS = "in_progress", "整改中"
    DONE = "done", "已整改"


class RectificationQuerySet(ScopedQuerySet):
    def open(self):
        return self.exclude(status=RectificationStatus.DONE)

    def overdue(self, today=None):
        """Not yet put right and past the deadline: what staff chase."""
        return self.open().filter(deadline__lt=today or timezone.localdate())


class Rectification(models.Model):
    """Something an inspection found, to be put right by a deadline."""

    community_path = "inspection__enrollment__building_group__compound__community"

    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="rectifications", verbose_name="检查"
    )
    finding = models.CharField(
        "问题", max_length=200, help_text="如:3楼楼道堆放纸箱。", validators=[validate_public_text]
    )
    deadline = models.DateField("整改期限")
    status = models.CharField(
        "状态",
        max_length=12,
        choices=RectificationStatus.choices,
        default=RectificationStatus.PENDING,
    )
    done_on = models.DateField("完成日期", null=True, blank=True)
    before_photo = PhotoField("整改前照片", upload_to=RandomName("campaign/before"), blank=True)
    after_photo = PhotoField("整改后照片", upload_to=RandomName("campaign/after"), blank=True)
    note = models.CharField("备注", max_length=200, blank=True)

    objects = RectificationQuerySet.as_manager()

    class Meta:
        verbose_name = "整改"
        verbose_name_plural = "整改"
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["status", "deadline"], name="rectification_due")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status=RectificationStatus.DONE) & Q(done_on__isnull=False))
                | (~Q(status=RectificationStatus.DONE) & Q(done_on__isnull=True)),
                name="rectification_done_has_date",
                violation_error_message="状态为“已整改”时须填写完成日期;未完成时不填完成日期。",
            ),
        ]

    def __str__(self):
        return self.finding

    def clean(self):
        if self.inspection_id and self.deadline and self.deadline < self.inspection.date:
            raise ValidationError({"deadline": "整改期限不能早于检查日期。"})
        if self.inspection_id and self.done_on and self.done_on < self.inspection.date:
            raise ValidationError({"done_on": "完成日期不能早于检查日期。"})
        if error := future_date_error(self.done_on, "完成日期"):
            raise ValidationError({"done_on": error})

    @property
    def is_overdue(self) -> bool:
        return (
            self.status != RectificationStatus.DONE
            and self.deadline is not None
            and self.deadline < timezone.localdate()
        )


class Contest(models.Model):
    """A contest of the campaign (比学赶超): entries, rounds of scores, a shortlist. Residents see
    its results once it is published."""

    community_path = "campaign__community"
    subdistrict_path = "campaign__subdistrict"

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="contests", verbose_name="创建活动"
    )
    name = models.CharField("名称", max_length=100, validators=[validate_public_text])
    date = models.DateField("展示日期", null=True, blank=True)
    published = models.BooleanField(
        "公开结果", default=False, help_text="勾选后居民可以在公开页面看到入围和名次。"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "比赛"
        verbose_name_plural = "比赛(比学赶超)"
        ordering = ["campaign", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "name"],
                name="contest_name_unique_in_campaign",
                violation_error_message="该创建活动已有同名的比赛。",
            ),
        ]

    def __str__(self):
        return self.name


class ContestEntry(models.Model):
    """One entry (节目) of a contest, from a community. Results belong to the contest: street
    staff set them for a street-wide contest, not the community that entered."""

    community_path = "contest__campaign__community"
    subdistrict_path = "contest__campaign__subdistrict"

    contest = models.ForeignKey(
        Contest, on_delete=models.CASCADE, related_name="entries", verbose_name="比赛"
    )
    title = models.CharField("节目", max_length=100, validators=[validate_public_text])
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="contest_entries", verbose_name="参赛社区"
    )
    shortlisted = models.BooleanField("入围", default=False)
    rank = models.PositiveSmallIntegerField(
        "名次", null=True, blank=True, help_text="入围节目的最终名次;未入围的留空。"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "参赛节目"
        verbose_name_plural = "参赛节目"
        ordering = ["contest", "rank", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["contest", "title"],
                name="entry_title_unique_in_contest",
                violation_error_message="该比赛已有同名节目。",
            ),
            models.UniqueConstraint(
                fields=["contest", "rank"],
                condition=Q(rank__isnull=False),
                name="entry_rank_unique_in_contest",
                violation_error_message="该名次已有节目。",
            ),
            models.CheckConstraint(
                condition=Q(rank__isnull=True) | (Q(shortlisted=True) & Q(rank__gte=1)),
                name="entry_ranked_only_if_shortlisted",
                violation_error_message="只有入围的节目才有名次,名次从 1 开始。",
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        if not (self.community_id and self.contest_id):
            return
        if self.community.subdistrict_id != self.contest.campaign.subdistrict_id:
            raise ValidationError({"community": "参赛社区须在比赛所属的街道内。"})


class ContestRound(models.Model):
    """A round of a contest: 初赛 for every entry, then the shortlisted ones again."""

    community_path = "contest__campaign__community"
    subdistrict_path = "contest__campaign__subdistrict"

    contest = models.ForeignKey(
        Contest, on_delete=models.CASCADE, related_name="rounds", verbose_name="比赛"
    )
    name = models.CharField(
        "轮次", max_length=50, help_text="如:初赛、展示评选。", validators=[validate_public_text]
    )
    order = models.PositiveSmallIntegerField("顺序", help_text="1 为第一轮。")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "比赛轮次"
        verbose_name_plural = "比赛轮次"
        ordering = ["contest", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["contest", "order"],
                name="round_order_unique_in_contest",
                violation_error_message="该比赛已有这个顺序的轮次。",
            ),
            models.UniqueConstraint(
                fields=["contest", "name"],
                name="round_name_unique_in_contest",
                violation_error_message="该比赛已有同名轮次。",
            ),
        ]

    def __str__(self):
        return self.name


class RoundScore(models.Model):
    """An entry's score in one round (out of 100)."""

    community_path = "round__contest__campaign__community"
    subdistrict_path = "round__contest__campaign__subdistrict"

    round = models.ForeignKey(
        ContestRound, on_delete=models.CASCADE, related_name="scores", verbose_name="轮次"
    )
    entry = models.ForeignKey(
        ContestEntry, on_delete=models.CASCADE, related_name="scores", verbose_name="节目"
    )
    score = models.DecimalField(
        "得分",
        max_digits=5,
        decimal_places=2,
        validators=[
            MinValueValidator(0, "得分不能小于 0。"),
            MaxValueValidator(100, "得分不能超过 100。"),
        ],
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "轮次得分"
        verbose_name_plural = "轮次得分"
        ordering = ["round", "-score"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "entry"],
                name="round_score_once",
                violation_error_message="该节目在这一轮已有得分。",
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=100),
                name="round_score_in_range",
                violation_error_message="得分应在 0 到 100 之间。",
            ),
        ]

    def __str__(self):
        return f"{self.entry} {self.score}分" if self.entry_id else "轮次得分"

    def clean(self):
        if self.round_id and self.entry_id and self.round.contest_id != self.entry.contest_id:
            raise ValidationError({"entry": "节目须属于该轮次所在的比赛。"})
