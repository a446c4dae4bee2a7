"""Households taking part in the fund: supports (附议) of projects and opinions (意见) on their
notices. Written by the services in `services.py` only (`support_add`, `support_withdraw`,
`opinion_submit`, `opinion_moderate`)."""

from django.conf import settings
from django.db import models

from communities.signups import HouseholdSignup
from jinhai.scoping import ScopedQuerySet
from jinhai.validators import validate_public_text

from .models import DiscussionMeeting, FundProject


class Support(models.Model):
    """A household's support (附议) of a project in 征集 or 讨论: one per household and project,
    withdrawn by deleting it."""

    community_path = "project__community"

    project = models.ForeignKey(
        FundProject, on_delete=models.CASCADE, related_name="supports", verbose_name="项目"
    )
    household = models.ForeignKey(
        "communities.Household",
        on_delete=models.CASCADE,
        related_name="supports",
        verbose_name="附议住户",
    )
    created_at = models.DateTimeField("附议时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "附议"
        verbose_name_plural = "附议"
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "household"],
                name="one_support_per_household_project",
                violation_error_message="本户已附议过这个项目。",
            ),
        ]

    def __str__(self):
        return f"附议 {self.project}" if self.project_id else "附议"


class OpinionState(models.TextChoices):
    PENDING = "pending", "待审核"
    PUBLISHED = "published", "已公开"
    WITHHELD = "withheld", "不予公开"


# Resident text is capped, plain and escaped; an opinion is a comment, not an essay.
OPINION_MAX_LENGTH = 500


class OpinionQuerySet(ScopedQuerySet):
    def published(self):
        return self.filter(state=OpinionState.PUBLISHED)


class Opinion(models.Model):
    """A household's opinion (意见) on a project while its notice (公示) hangs. Public only once
    staff publish it, with their reply if they give one; staff see every opinion at 立项."""

    community_path = "project__community"

    project = models.ForeignKey(
        FundProject, on_delete=models.CASCADE, related_name="opinions", verbose_name="项目"
    )
    household = models.ForeignKey(
        "communities.Household",
        on_delete=models.CASCADE,
        related_name="opinions",
        verbose_name="提意见住户",
        help_text="公开时只显示小区和楼组。",
    )
    text = models.TextField(
        "意见",
        max_length=OPINION_MAX_LENGTH,
        help_text=f"住户填写的纯文本,最多 {OPINION_MAX_LENGTH} 字;公开前须经工作人员审核。",
    )
    state = models.CharField(
        "审核状态",
        max_length=10,
        choices=OpinionState.choices,
        default=OpinionState.PENDING,
        help_text="只有“已公开”的意见在公示页显示。",
    )
    reply = models.TextField(
        "居委会答复",
        max_length=OPINION_MAX_LENGTH,
        blank=True,
        validators=[validate_public_text],
        help_text="随意见一起公开显示;可留空。",
    )
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="审核人",
    )
    moderated_at = models.DateTimeField("审核时间", null=True, blank=True)

    objects = OpinionQuerySet.as_manager()

    class Meta:
        verbose_name = "公示意见"
        verbose_name_plural = "公示意见"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["project", "state"], name="opinion_project_state"),
            models.Index(fields=["household", "created_at"], name="opinion_household_day"),
        ]

    def __str__(self):
        return f"对“{self.project.title}”的意见" if self.project_id else "公示意见"


class MeetingSignup(HouseholdSignup):
    """A household's sign-up (报名) for a 说事会 or 讨论会 that takes them; written by
    `communities.signups` only."""

    community_path = "meeting__community"
    event_field = "meeting"

    meeting = models.ForeignKey(
        DiscussionMeeting,
        on_delete=models.CASCADE,
        related_name="signups",
        verbose_name="会议",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta(HouseholdSignup.Meta):
        verbose_name = "会议报名"
        verbose_name_plural = "会议报名"
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "household"],
                name="one_signup_per_household_meeting",
                violation_error_message="本户已报名这次会议。",
            ),
        ]

    def __str__(self):
        return f"报名 {self.meeting}" if self.meeting_id else "会议报名"
