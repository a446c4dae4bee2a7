"""自治金: the self-governance fund.

Each community receives a yearly allocation; residents propose projects, discuss them
(自治金参与式讨论会) and the money is spent only on approved projects, at most what was approved.
Every status move goes through `services.project_move`, every expenditure through
`services.expenditure_add`.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, OuterRef, Q
from django.utils import timezone

from communities.models import (
    Community,
    Compound,
)
from communities.signups import TakesSignups
from jinhai.db import contains_all, subquery_count, subquery_sum
from jinhai.scoping import ScopedQuerySet
from jinhai.uploads import PhotoField, RandomName, public_flag
from jinhai.validators import future_date_error, validate_public_text

# The vocabulary lives in `statuses`; importers may name it from here, as from any model module.
from .statuses import (  # noqa: F401
    FUNDED_STATUSES,
    HIDDEN_REVIEWS,
    NOTICE_DAYS,
    NOTICE_MAX_DAYS,
    PROJECT_PATH,
    SPENDING_STATUSES,
    SUPPORT_STATUSES,
    ProjectCategory,
    ProjectStatus,
    ProposalReview,
)

MONEY = {"max_digits": 12, "decimal_places": 2}
# Sums of MONEY columns over many rows.
AMOUNT = models.DecimalField(max_digits=14, decimal_places=2)


# Approved counts every project from 立项 on (its approved amount is committed whether or not it
# is spent yet); remaining = allocated - approved is what a new approval may still take.


def approved_sum(community, year):
    """SUM of approved amounts of funded projects; `community`/`year` may be OuterRefs."""
    return subquery_sum(
        FundProject.objects.funded().filter(community=community, year=year),
        "amount_approved",
        AMOUNT,
    )


def spent_sum(community, year):
    return subquery_sum(
        Expenditure.objects.filter(project__community=community, project__year=year),
        "amount",
        AMOUNT,
    )


class FundAllocationQuerySet(ScopedQuerySet):
    def with_figures(self):
        """Approved, spent and remaining for each allocation's community and year: one query."""
        return self.annotate(
            approved=approved_sum(OuterRef("community"), OuterRef("year")),
            spent=spent_sum(OuterRef("community"), OuterRef("year")),
        ).annotate(remaining=F("amount") - F("approved"))


class FundAllocation(models.Model):
    """A community's self-governance fund for one year, set by the street office."""

    community_path = "community"

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="fund_allocations", verbose_name="社区"
    )
    year = models.PositiveSmallIntegerField(
        "年度", validators=[MinValueValidator(2000, "年度不能早于 2000 年。")]
    )
    amount = models.DecimalField(
        "下达金额(元)",
        **MONEY,
        validators=[MinValueValidator(0, "金额不能小于 0。")],
        help_text="街道下达给该社区当年的自治金总额。已批准的项目金额合计不能超过它。",
    )
    note = models.CharField("备注", max_length=200, blank=True)

    objects = FundAllocationQuerySet.as_manager()

    class Meta:
        verbose_name = "自治金额度"
        verbose_name_plural = "自治金额度"
        ordering = ["-year", "community__sort_order", "community__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "year"],
                name="one_fund_allocation_per_community_year",
                violation_error_message="该社区这一年度已有自治金额度;请修改原记录。",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="fund_allocation_not_negative",
                violation_error_message="金额不能小于 0。",
            ),
        ]

    def __str__(self):
        return f"{self.community} {self.year}年度自治金" if self.community_id else "自治金额度"


def notice_running_q(today) -> Q:
    """The rule `FundProject.notice_running` keeps, as a filter."""
    return Q(status=ProjectStatus.PUBLICISING, notice_from__lte=today, notice_until__gte=today)


class FundProjectQuerySet(ScopedQuerySet):
    def reviewed(self):
        """Projects anyone may see: staff-entered ones and accepted resident proposals."""
        return self.exclude(review__in=HIDDEN_REVIEWS)

    def with_supports(self):
        """`n_supports`: how many households support (附议) the project."""
        # Through the reverse relation: participation.py imports this module, not the other way.
        supports = self.model._meta.get_field("supports").related_model
        return self.annotate(
            n_supports=subquery_count(supports.objects.filter(project=OuterRef("pk")))
        )

    def with_opinions(self):
        """`n_opinions`: how many opinions (意见) households left on its notice, of any state."""
        opinions = self.model._meta.get_field("opinions").related_model
        return self.annotate(
            n_opinions=subquery_count(opinions.objects.filter(project=OuterRef("pk")))
        )

    def funded(self):
        return self.filter(status__in=FUNDED_STATUSES)

    def public(self):
        """Projects the public fund pages show: every reviewed project, of any year (the years
        `selectors.fund_years` offers are those with an allocation or such a project)."""
        return self.reviewed()

    def matching(self, terms):
        """Projects whose title contains every term (the public search)."""
        return self.filter(contains_all("title", terms))

    def notice_running(self, today):
        """Projects whose notice (公示) hangs on `today`: households may leave opinions."""
        return self.filter(notice_running_q(today))

    def with_spent(self):
        return self.annotate(
            spent=subquery_sum(Expenditure.objects.filter(project=OuterRef("pk")), "amount", AMOUNT)
        )


class FundProject(models.Model):
    """A project paid from a community's fund: proposed, discussed, publicised, approved, done."""

    community_path = "community"

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="fund_projects", verbose_name="社区"
    )
    compound = models.ForeignKey(
        Compound,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fund_projects",
        verbose_name="小区",
        help_text="项目只涉及一个小区时选择;全社区的项目留空。",
    )
    year = models.PositiveSmallIntegerField(
        "年度",
        validators=[MinValueValidator(2000, "年度不能早于 2000 年。")],
        help_text="使用哪一年度的自治金。",
    )
    title = models.CharField("项目名称", max_length=100, validators=[validate_public_text])
    category = models.CharField("类别", max_length=12, choices=ProjectCategory.choices)
    proposer = models.CharField(
        "申报主体",
        max_length=100,
        blank=True,
        help_text="如:金水苑12号楼楼组、业委会、居民自治小组。不公开显示。",
    )
    description = models.TextField(
        "项目内容",
        blank=True,
        help_text="公开显示:要做什么、为什么。",
        validators=[validate_public_text],
    )
    amount_requested = models.DecimalField("申请金额(元)", **MONEY)
    amount_approved = models.DecimalField(
        "批准金额(元)",
        **MONEY,
        null=True,
        blank=True,
        help_text="立项时填写,不能超过申请金额和本社区当年自治金的余额。",
    )
    status = models.CharField(
        "状态",
        max_length=12,
        choices=ProjectStatus.choices,
        default=ProjectStatus.COLLECTING,
        help_text="只能在项目页面的“办理”中逐步变更。",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    household = models.ForeignKey(
        "communities.Household",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name="提议住户",
        help_text="居民提议的提出户;公开时只显示小区和楼组。",
        editable=False,
    )
    review = models.CharField(
        "提议审核",
        max_length=10,
        choices=ProposalReview.choices,
        blank=True,
        editable=False,
        help_text="居民提议才有;在“审核提议”中办理。待审核、已合并、未采纳的提议不公开。",
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_proposals",
        verbose_name="并入项目",
        help_text="提议合并到的已有项目。",
        editable=False,
    )
    notice_from = models.DateField(
        "公示开始日期",
        null=True,
        blank=True,
        editable=False,
        help_text="变更为“公示”时填写;公示期内住户可以提意见,期满后才能立项。",
    )
    notice_until = models.DateField(
        "公示截止日期",
        null=True,
        blank=True,
        editable=False,
        help_text=f"公示的最后一天,默认开始后第 {NOTICE_DAYS} 天;次日起可以立项。",
    )
    review_note = models.CharField(
        "审核说明",
        max_length=200,
        blank=True,
        editable=False,
        help_text="未采纳的理由等,提议住户在“我的”中看到。",
        validators=[validate_public_text],
    )

    objects = FundProjectQuerySet.as_manager()

    class Meta:
        verbose_name = "自治金项目"
        verbose_name_plural = "自治金项目"
        ordering = ["-year", "community__sort_order", "community__name", "title"]
        indexes = [models.Index(fields=["community", "year", "status"], name="fund_project_board")]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "year", "title"],
                name="fund_project_title_unique",
                violation_error_message="该社区这一年度已有同名的自治金项目。",
            ),
            # A resident proposal always has a review state, and only a proposal has one.
            models.CheckConstraint(
                condition=Q(household__isnull=True, review="")
                | (Q(household__isnull=False) & ~Q(review="")),
                name="fund_project_proposal_reviewed",
                violation_error_message="居民提议须有审核状态,其他项目没有。",
            ),
            models.CheckConstraint(
                condition=Q(notice_from__isnull=True, notice_until__isnull=True)
                | Q(
                    notice_from__isnull=False,
                    notice_until__isnull=False,
                    notice_until__gte=F("notice_from"),
                ),
                name="fund_project_notice_dates",
                violation_error_message="公示截止日期不能早于开始日期。",
            ),
            models.CheckConstraint(
                condition=Q(amount_requested__gt=0),
                name="fund_project_requests_money",
                violation_error_message="申请金额须大于 0。",
            ),
            # An approved amount exists exactly when the project has been approved: the import
            # and the admin form can neither approve a project nor un-approve one by hand.
            models.CheckConstraint(
                condition=(
                    Q(status__in=FUNDED_STATUSES)
                    & Q(amount_approved__isnull=False)
                    & Q(amount_approved__gt=0)
                )
                | (~Q(status__in=FUNDED_STATUSES) & Q(amount_approved__isnull=True)),
                name="fund_project_approved_amount_iff_approved",
                violation_error_message="批准金额在立项时填写:立项前不能有批准金额,立项后必须有。",
            ),
            models.CheckConstraint(
                condition=Q(amount_approved__isnull=True)
                | Q(amount_approved__lte=F("amount_requested")),
                name="fund_project_approved_within_request",
                violation_error_message="批准金额不能超过申请金额。",
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.title}" if self.year else self.title

    def clean(self):
        if (
            self.compound_id
            and self.community_id
            and self.compound.community_id != self.community_id
        ):
            raise ValidationError({"compound": "小区须在该项目所属的社区内。"})

    def approved_on(self):
        """The day the project was approved (its 立项 move, Shanghai time), or None."""
        move = self.moves.filter(to_status=ProjectStatus.APPROVED).order_by("-at").first()
        return timezone.localdate(move.at) if move else None

    @property
    def notice_days(self) -> int | None:
        if self.notice_from is None or self.notice_until is None:
            return None
        return (self.notice_until - self.notice_from).days + 1

    def notice_running(self, today=None) -> bool:
        """Whether the notice hangs today, when households may leave an opinion (意见)."""
        today = today or timezone.localdate()
        return (
            self.status == ProjectStatus.PUBLICISING
            and self.notice_from is not None
            and self.notice_until is not None
            and self.notice_from <= today <= self.notice_until
        )

    @property
    def is_proposal(self) -> bool:
        return self.household_id is not None

    @property
    def is_funded(self) -> bool:
        return self.status in FUNDED_STATUSES


class ProjectMove(models.Model):
    """One step of a project's status, with who made it and when. Written by
    `services.project_move` only, never changed: it is the project's history."""

    community_path = "project__community"

    project = models.ForeignKey(
        FundProject, on_delete=models.PROTECT, related_name="moves", verbose_name="项目"
    )
    from_status = models.CharField("原状态", max_length=12, choices=ProjectStatus.choices)
    to_status = models.CharField("新状态", max_length=12, choices=ProjectStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="办理人",
    )
    at = models.DateTimeField("办理时间", default=timezone.now, editable=False)
    approved_amount = models.DecimalField(
        "批准金额(元)", **MONEY, null=True, blank=True, help_text="立项时记录。"
    )
    note = models.CharField("说明", max_length=200, blank=True, validators=[validate_public_text])

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "项目状态变更"
        verbose_name_plural = "项目状态变更"
        ordering = ["project", "at", "pk"]

    def __str__(self):
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("状态变更记录不能修改。")
        super().save(*args, **kwargs)


class DiscussionMeetingQuerySet(ScopedQuerySet):
    def shown_publicly(self):
        """Meetings whose photo the fund pages show: ticked 公开展示, and either a general 说事会
        or about a project those pages show (`FundProjectQuerySet.public`)."""
        return self.filter(photo_public=True).filter(
            Q(project__isnull=True) | Q(project__in=FundProject.objects.public())
        )


class DiscussionMeeting(TakesSignups):
    """A participatory discussion (自治金参与式讨论会) about one project, or a general
    deliberation (说事会, e.g. on parking) tied to none. A project is approved only after at
    least one meeting about it is on record. A meeting may be entered before it is held, to take
    households' sign-ups (报名); its participants are counted afterwards."""

    community_path = "community"
    public_file_fields = ("photo",)

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="discussion_meetings", verbose_name="社区"
    )
    project = models.ForeignKey(
        FundProject,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name="讨论的项目",
        help_text="专题讨论某个自治金项目时选择;说事会等一般议事留空。",
    )
    topic = models.CharField(
        "议题", max_length=100, help_text="如:破解小区停车难题。", validators=[validate_public_text]
    )
    date = models.DateField("日期")
    place = models.CharField("地点", max_length=100, blank=True, validators=[validate_public_text])
    participants = models.PositiveIntegerField(
        "参加人数",
        null=True,
        blank=True,
        validators=[MinValueValidator(1, "参加人数至少为 1。")],
        help_text="会后填写;未召开的会议留空。",
    )
    minutes = models.TextField("会议纪要", blank=True)
    decision = models.TextField(
        "议定事项", blank=True, help_text="公开显示。", validators=[validate_public_text]
    )
    photo = PhotoField("现场照片", upload_to=RandomName("fund/meetings"), blank=True)
    photo_public = public_flag("勾选后在自治金公开页显示,任何人可看;有居民入镜须先征得同意。")

    objects = DiscussionMeetingQuerySet.as_manager()

    class Meta:
        verbose_name = "议事会"
        verbose_name_plural = "议事会(自治金讨论会、说事会)"
        ordering = ["-date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(participants__isnull=True) | Q(participants__gte=1),
                name="meeting_has_participants",
                violation_error_message="参加人数至少为 1。",
            ),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.topic}" if self.date else self.topic

    def clean(self):
        errors = {}
        if self.project_id and self.community_id and self.project.community_id != self.community_id:
            errors["project"] = "讨论的项目须属于同一社区。"
        today = timezone.localdate()
        if self.date is not None and self.date > today:
            # A planned meeting: announced for sign-ups, counted once held.
            if self.participants is not None:
                errors["participants"] = "会议还没有召开,参加人数在会后填写。"
            if self.date > today + datetime.timedelta(days=366):
                errors["date"] = "会议日期最多提前一年登记。"
        elif self.date is not None and self.participants is None and not self.signup_open:
            errors["participants"] = "已召开的会议须填写参加人数。"
        if errors:
            raise ValidationError(errors)


class Expenditure(models.Model):
    """Money paid out for a project. Added by `services.expenditure_add` only, which keeps the
    project's total within its approved amount."""

    community_path = "project__community"

    project = models.ForeignKey(
        FundProject, on_delete=models.PROTECT, related_name="expenditures", verbose_name="项目"
    )
    date = models.DateField("支出日期")
    amount = models.DecimalField("金额(元)", **MONEY)
    payee = models.CharField("收款方", max_length=100, help_text="不公开显示。")
    purpose = models.CharField(
        "用途",
        max_length=200,
        help_text="公开显示,如:车棚钢结构材料。",
        validators=[validate_public_text],
    )
    receipt = PhotoField("票据照片", upload_to=RandomName("fund/receipts"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="登记人",
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "自治金支出"
        verbose_name_plural = "自治金支出"
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="expenditure_amount_positive",
                violation_error_message="支出金额须大于 0。",
            ),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.purpose} {self.amount}元" if self.date else "新支出"

    def clean(self):
        if error := future_date_error(self.date, "支出日期"):
            raise ValidationError({"date": error})
        approved_on = self.project.approved_on() if self.project_id and self.date else None
        if approved_on and self.date < approved_on:
            raise ValidationError(
                {"date": f"支出日期不能早于项目立项日期({approved_on:%Y-%m-%d})。"}
            )
