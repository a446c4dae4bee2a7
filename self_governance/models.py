"""Residents' self-governance: "beautiful agreement" (美丽约定) point schemes kept as a ledger.

A scheme's households and shops hold accounts; staff record points per written rule (考核细则);
every change to a balance is an entry, entries are never edited or deleted, and a correction is a
reversing entry. The balance kept on the account always equals the sum of its entries.
"""

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from communities.models import (
    BuildingGroup,
    Community,
    Compound,
    StreetZone,
    Subdistrict,
    community_outside_subdistrict,
)
from jinhai.db import contains_all
from jinhai.scoping import ScopedQuerySet
from jinhai.uploads import PhotoField


class SchemeKind(models.TextChoices):
    GENERAL = "general", "通用版"
    SHOP = "shop", "商铺版"
    PET = "pet", "文明养宠版"


class SchemeStatus(models.TextChoices):
    DRAFT = "draft", "草拟中"
    ACTIVE = "active", "实施中"
    CLOSED = "closed", "已结束"


class SchemeQuerySet(ScopedQuerySet):
    def public(self):
        """What residents see: schemes in force or finished, never drafts."""
        return self.exclude(status=SchemeStatus.DRAFT)


class AgreementScheme(models.Model):
    community_path = "community"

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="schemes", verbose_name="社区"
    )
    compounds = models.ManyToManyField(
        Compound,
        blank=True,
        related_name="schemes",
        verbose_name="适用小区",
        help_text="只在部分小区实行时选择;不选表示全社区适用。",
    )
    name = models.CharField("约定名称", max_length=100, help_text="如:金水苑美丽约定积分制。")
    kind = models.CharField("版本", max_length=10, choices=SchemeKind.choices)
    text = models.TextField("约定内容", help_text="公开显示的美丽约定全文。")
    start = models.DateField("开始日期")
    end = models.DateField("结束日期", null=True, blank=True, help_text="留空表示长期实行。")
    status = models.CharField(
        "状态", max_length=10, choices=SchemeStatus.choices, default=SchemeStatus.DRAFT
    )

    objects = SchemeQuerySet.as_manager()

    class Meta:
        verbose_name = "美丽约定"
        verbose_name_plural = "美丽约定"
        ordering = ["community", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "name"],
                name="scheme_name_unique_in_community",
                violation_error_message="该社区已有同名的美丽约定。",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                name="scheme_ends_after_start",
                violation_error_message="结束日期不能早于开始日期。",
            ),
        ]

    def __str__(self):
        return self.name

    def covers(self, date) -> bool:
        return self.start <= date and (self.end is None or date <= self.end)


class RuleQuerySet(ScopedQuerySet):
    def current(self):
        return self.filter(is_current=True)


class Rule(models.Model):
    """A written assessment rule. Once used it is never edited: a change makes a new version."""

    community_path = "scheme__community"

    scheme = models.ForeignKey(
        AgreementScheme, on_delete=models.PROTECT, related_name="rules", verbose_name="美丽约定"
    )
    code = models.CharField("细则编号", max_length=20, help_text="如 A01;导入积分时按编号找细则。")
    description = models.CharField("细则内容", max_length=200)
    points = models.IntegerField("分值", help_text="加分为正数,扣分为负数。")
    monthly_cap = models.PositiveIntegerField(
        "每户每月上限",
        null=True,
        blank=True,
        help_text="每户每月从本细则最多获得的分数;留空表示不限。",
    )
    version = models.PositiveSmallIntegerField("版本", default=1, editable=False)
    is_current = models.BooleanField("现行", default=True, editable=False)

    objects = RuleQuerySet.as_manager()

    class Meta:
        verbose_name = "考核细则"
        verbose_name_plural = "考核细则"
        ordering = ["scheme", "code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "code", "version"], name="rule_version_unique"
            ),
            models.UniqueConstraint(
                fields=["scheme", "code"],
                condition=Q(is_current=True),
                name="one_current_rule_per_code",
                violation_error_message="该约定已有这个编号的细则。",
            ),
            models.CheckConstraint(
                condition=~Q(points=0),
                name="rule_points_not_zero",
                violation_error_message="分值不能为 0。",
            ),
        ]

    def __str__(self):
        version = f" 第{self.version}版" if self.version > 1 else ""
        return f"{self.code} {self.description}({self.points:+d}分){version}"


class AccountKind(models.TextChoices):
    HOUSEHOLD = "household", "住户"
    SHOP = "shop", "商铺"


class AccountQuerySet(ScopedQuerySet):
    def ranked(self):
        """Highest balance first; the (scheme, -balance, id) index serves this order directly."""
        return self.order_by("-balance", "pk")


class Account(models.Model):
    community_path = "scheme__community"

    scheme = models.ForeignKey(
        AgreementScheme, on_delete=models.PROTECT, related_name="accounts", verbose_name="美丽约定"
    )
    kind = models.CharField("类型", max_length=10, choices=AccountKind.choices)
    building_group = models.ForeignKey(
        BuildingGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="point_accounts",
        verbose_name="楼组",
    )
    room = models.CharField(
        "室号", max_length=20, blank=True, help_text="如 301;公开时只显示首位。"
    )
    street_zone = models.ForeignKey(
        StreetZone,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="point_accounts",
        verbose_name="街面",
    )
    shop_name = models.CharField("商铺名称", max_length=100, blank=True)
    balance = models.IntegerField(
        "积分余额", default=0, editable=False, help_text="由积分明细自动计算,不能直接修改。"
    )

    objects = AccountQuerySet.as_manager()

    class Meta:
        verbose_name = "积分账户"
        verbose_name_plural = "积分账户"
        ordering = ["scheme", "building_group", "room", "shop_name"]
        indexes = [models.Index(fields=["scheme", "-balance", "id"], name="account_board")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind=AccountKind.HOUSEHOLD)
                    & Q(building_group__isnull=False)
                    & ~Q(room="")
                    & Q(street_zone__isnull=True)
                )
                | (Q(kind=AccountKind.SHOP) & Q(street_zone__isnull=False) & ~Q(shop_name="")),
                name="account_is_household_or_shop",
                violation_error_message="住户账户须填写楼组和室号;商铺账户须填写街面和商铺名称。",
            ),
            models.UniqueConstraint(
                fields=["scheme", "building_group", "room"],
                condition=Q(kind=AccountKind.HOUSEHOLD),
                name="one_account_per_household",
                violation_error_message="该住户在本约定中已有账户。",
            ),
            models.UniqueConstraint(
                fields=["scheme", "shop_name"],
                condition=Q(kind=AccountKind.SHOP),
                name="one_account_per_shop",
                violation_error_message="该商铺在本约定中已有账户。",
            ),
            models.CheckConstraint(
                condition=Q(balance__gte=0),
                name="account_balance_not_negative",
                violation_error_message="积分余额不能小于 0。",
            ),
        ]

    def __str__(self):
        if self.kind == AccountKind.SHOP:
            return self.shop_name
        return f"{self.building_group} {self.room}室" if self.building_group_id else self.room

    def clean(self):
        community_id = self.scheme.community_id if self.scheme_id else None
        group = self.building_group if self.building_group_id else None
        if group and community_id and group.compound.community_id != community_id:
            raise ValidationError({"building_group": "楼组须在该约定所属的社区内。"})
        if self.street_zone_id and community_id and self.street_zone.community_id != community_id:
            raise ValidationError({"street_zone": "街面须在该约定所属的社区内。"})


class PetKind(models.TextChoices):
    DOG = "dog", "犬"
    CAT = "cat", "猫"
    OTHER = "other", "其他"


class Pet(models.Model):
    """A household's pet, recorded for the 文明养宠 version, whose rules are about pets."""

    community_path = "account__scheme__community"

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="pets", verbose_name="住户账户"
    )
    name = models.CharField("名字", max_length=30)
    kind = models.CharField("种类", max_length=10, choices=PetKind.choices)
    registered_on = models.DateField("犬只登记日期", null=True, blank=True)
    vaccinated_on = models.DateField("最近免疫日期", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "宠物"
        verbose_name_plural = "宠物"
        ordering = ["account", "name"]

    def __str__(self):
        return f"{self.name}({self.get_kind_display()})"


class Reward(models.Model):
    community_path = "scheme__community"

    scheme = models.ForeignKey(
        AgreementScheme, on_delete=models.PROTECT, related_name="rewards", verbose_name="美丽约定"
    )
    name = models.CharField("奖品", max_length=100)
    cost = models.PositiveIntegerField("所需积分")
    stock = models.IntegerField("库存", default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "兑换奖品"
        verbose_name_plural = "兑换奖品"
        ordering = ["scheme", "cost"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stock__gte=0),
                name="reward_stock_not_negative",
                violation_error_message="库存不能小于 0。",
            ),
            models.CheckConstraint(
                condition=Q(cost__gt=0),
                name="reward_costs_points",
                violation_error_message="所需积分须大于 0。",
            ),
        ]

    def __str__(self):
        return f"{self.name}({self.cost}分)"


class EntryKind(models.TextChoices):
    AWARD = "award", "加分"
    DEDUCTION = "deduction", "扣分"
    REVERSAL = "reversal", "冲正"
    REDEMPTION = "redemption", "兑换"


class EntryQuerySet(ScopedQuerySet):
    def update(self, **kwargs):
        raise ValidationError("积分明细不能修改;如有错误请登记冲正。")

    def delete(self):
        raise ValidationError("积分明细不能删除;如有错误请登记冲正。")


class PointEntry(models.Model):
    """One line of the ledger. Written once by the services, never changed."""

    community_path = "account__scheme__community"

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="entries", verbose_name="账户"
    )
    kind = models.CharField("类型", max_length=12, choices=EntryKind.choices)
    rule = models.ForeignKey(
        Rule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name="细则",
    )
    points = models.IntegerField("分值", help_text="取自细则;兑换为负数。")
    date = models.DateField("日期")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="登记人",
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name="冲正的明细",
    )
    redemption = models.OneToOneField(
        "Redemption",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entry",
        verbose_name="兑换记录",
    )
    evidence = PhotoField("佐证照片", upload_to="points/", blank=True)
    note = models.CharField("备注", max_length=200, blank=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = "积分明细"
        verbose_name_plural = "积分明细"
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["account", "date"], name="entry_account_date")]
        constraints = [
            models.CheckConstraint(condition=~Q(points=0), name="entry_points_not_zero"),
        ]

    def __str__(self):
        if self.points is None:  # an admin form's instance before the service fills it in
            return "新积分明细"
        return f"{self.date} {self.account} {self.points:+d}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("积分明细不能修改;如有错误请登记冲正。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("积分明细不能删除;如有错误请登记冲正。")


class Redemption(models.Model):
    community_path = "account__scheme__community"

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="redemptions", verbose_name="账户"
    )
    reward = models.ForeignKey(
        Reward, on_delete=models.PROTECT, related_name="redemptions", verbose_name="奖品"
    )
    quantity = models.PositiveSmallIntegerField("数量", default=1)
    points = models.PositiveIntegerField("消耗积分")
    date = models.DateField("日期")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="登记人",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "积分兑换"
        verbose_name_plural = "积分兑换"
        ordering = ["-date", "-pk"]

    def __str__(self):
        return f"{self.account} 兑换 {self.reward.name} ×{self.quantity}"


class MonthlyPoints(models.Model):
    """Points an account gained in a month (redemptions aside: spending is not a ranking),
    kept by the services beside each entry, so that a month's leaderboard reads an index
    instead of summing the whole ledger."""

    community_path = "account__scheme__community"

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="months", verbose_name="账户"
    )
    scheme = models.ForeignKey(
        AgreementScheme, on_delete=models.CASCADE, related_name="+", verbose_name="美丽约定"
    )
    month = models.DateField("月份", help_text="该月 1 日。")
    points = models.IntegerField("当月积分", default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "月度积分"
        verbose_name_plural = "月度积分"
        indexes = [models.Index(fields=["scheme", "month", "-points"], name="monthly_board")]
        constraints = [
            models.UniqueConstraint(fields=["account", "month"], name="monthly_points_once")
        ]

    def __str__(self):
        return f"{self.account} {self.month:%Y年%m月} {self.points}分"


# 自治金: the self-governance fund. Each community receives a yearly allocation; residents propose
# projects, discuss them (自治金参与式讨论会) and the money is spent only on approved projects, at
# most what was approved. Every status move goes through `services.project_move`, every
# expenditure through `services.expenditure_add`.

MONEY = {"max_digits": 12, "decimal_places": 2}


class FundAllocationQuerySet(ScopedQuerySet):
    def with_figures(self):
        """Approved, spent and remaining for each allocation's community and year."""
        from .selectors import fund_figures

        return fund_figures(self, community="community", year="year")


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


class ProjectCategory(models.TextChoices):
    PARKING = "parking", "停车"
    ENVIRONMENT = "environment", "环境"
    STAIRWAY = "stairway", "楼道"
    PETS = "pets", "宠物"
    ELDERLY = "elderly", "为老服务"
    OTHER = "other", "其他"


class ProjectStatus(models.TextChoices):
    COLLECTING = "collecting", "征集"
    DISCUSSING = "discussing", "讨论"
    PUBLICISING = "publicising", "公示"
    APPROVED = "approved", "立项"
    IMPLEMENTING = "implementing", "实施"
    ACCEPTED = "accepted", "验收"
    CLOSED = "closed", "结项"
    REJECTED = "rejected", "不予立项"


# The path a project takes; 不予立项 branches off before 立项. `services.project_move` reads these.
PROJECT_PATH = [
    ProjectStatus.COLLECTING,
    ProjectStatus.DISCUSSING,
    ProjectStatus.PUBLICISING,
    ProjectStatus.APPROVED,
    ProjectStatus.IMPLEMENTING,
    ProjectStatus.ACCEPTED,
    ProjectStatus.CLOSED,
]
# From 立项 on, a project holds an approved amount and counts against the year's allocation.
FUNDED_STATUSES = PROJECT_PATH[PROJECT_PATH.index(ProjectStatus.APPROVED) :]
# Money is paid out only while the work is done and checked.
SPENDING_STATUSES = [ProjectStatus.IMPLEMENTING, ProjectStatus.ACCEPTED]


class FundProjectQuerySet(ScopedQuerySet):
    def funded(self):
        return self.filter(status__in=FUNDED_STATUSES)

    def public(self):
        """Projects the public fund pages can show: those of a year that has an allocation (the
        years `selectors.fund_years` offers), or of this year while there is no allocation at
        all (the year those pages fall back to)."""
        allocations = FundAllocation.objects.order_by()
        return self.filter(
            Q(year__in=allocations.values("year"))
            | (Q(year=timezone.localdate().year) & ~models.Exists(allocations))
        )

    def matching(self, terms):
        """Projects whose title contains every term (the public search)."""
        return self.filter(contains_all("title", terms))

    def with_spent(self):
        from jinhai.db import subquery_sum

        return self.annotate(
            spent=subquery_sum(
                Expenditure.objects.filter(project=models.OuterRef("pk")),
                "amount",
                models.DecimalField(max_digits=14, decimal_places=2),
            )
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
    title = models.CharField("项目名称", max_length=100)
    category = models.CharField("类别", max_length=12, choices=ProjectCategory.choices)
    proposer = models.CharField(
        "申报主体",
        max_length=100,
        blank=True,
        help_text="如:金水苑12号楼楼组、业委会、居民自治小组。不公开显示。",
    )
    description = models.TextField("项目内容", blank=True, help_text="公开显示:要做什么、为什么。")
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
    note = models.CharField("说明", max_length=200, blank=True)

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


class DiscussionMeeting(models.Model):
    """A participatory discussion (自治金参与式讨论会) about one project, or a general
    deliberation (说事会, e.g. on parking) tied to none. A project is approved only after at
    least one meeting about it is on record."""

    community_path = "community"

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
    topic = models.CharField("议题", max_length=100, help_text="如:破解小区停车难题。")
    date = models.DateField("日期")
    place = models.CharField("地点", max_length=100, blank=True)
    participants = models.PositiveIntegerField(
        "参加人数", validators=[MinValueValidator(1, "参加人数至少为 1。")]
    )
    minutes = models.TextField("会议纪要", blank=True)
    decision = models.TextField("议定事项", blank=True, help_text="公开显示。")
    photo = PhotoField("现场照片", upload_to="fund/meetings/", blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "议事会"
        verbose_name_plural = "议事会(自治金讨论会、说事会)"
        ordering = ["-date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(participants__gte=1),
                name="meeting_has_participants",
                violation_error_message="参加人数至少为 1。",
            ),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.topic}" if self.date else self.topic

    def clean(self):
        if self.project_id and self.community_id and self.project.community_id != self.community_id:
            raise ValidationError({"project": "讨论的项目须属于同一社区。"})


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
    purpose = models.CharField("用途", max_length=200, help_text="公开显示,如:车棚钢结构材料。")
    receipt = PhotoField("票据照片", upload_to="fund/receipts/", blank=True)
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


# 和美楼组 creation: a street-wide campaign; building groups enrol, check themselves and each
# other against the standard items (三清三美), the street office checks too, and what is found is
# put right (整改). A contest (比学赶超) picks its best entries over rounds.


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
    name = models.CharField("名称", max_length=100, help_text="如:“和美楼组”创建。")
    description = models.TextField("简介", blank=True, help_text="公开显示。")

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


class CampaignPart(models.Model):
    """Rows that belong to a campaign as a whole (its standards, its contest).

    They are scoped through the campaign: a street-wide campaign's parts are read by community
    staff and changed by street staff only. Scope checks a single row by following
    `subdistrict_path` one step, so the campaign's subdistrict is copied here, kept by save()
    and clean(); it is never edited on its own.
    """

    subdistrict_path = "subdistrict"

    subdistrict = models.ForeignKey(
        Subdistrict, on_delete=models.PROTECT, related_name="+", editable=False, verbose_name="街道"
    )

    class Meta:
        abstract = True

    def campaign_of(self):
        raise NotImplementedError

    def _copy_subdistrict(self):
        try:
            campaign = self.campaign_of()
        except ObjectDoesNotExist:
            campaign = None
        if campaign is not None:
            self.subdistrict_id = campaign.subdistrict_id

    def clean(self):
        self._copy_subdistrict()

    def save(self, *args, **kwargs):
        self._copy_subdistrict()
        super().save(*args, **kwargs)


class CampaignStandard(CampaignPart):
    """One standard item inspections score against (the 三清三美)."""

    community_path = "campaign__community"

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="standards", verbose_name="创建活动"
    )
    name = models.CharField("标准项", max_length=50, help_text="如:清堆物、楼道美。")
    description = models.CharField("要求", max_length=200, blank=True)
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

    def campaign_of(self):
        return self.campaign


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
    finding = models.CharField("问题", max_length=200, help_text="如:3楼楼道堆放纸箱。")
    deadline = models.DateField("整改期限")
    status = models.CharField(
        "状态",
        max_length=12,
        choices=RectificationStatus.choices,
        default=RectificationStatus.PENDING,
    )
    done_on = models.DateField("完成日期", null=True, blank=True)
    before_photo = PhotoField("整改前照片", upload_to="campaign/before/", blank=True)
    after_photo = PhotoField("整改后照片", upload_to="campaign/after/", blank=True)
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

    @property
    def is_overdue(self) -> bool:
        return (
            self.status != RectificationStatus.DONE
            and self.deadline is not None
            and self.deadline < timezone.localdate()
        )


class Contest(CampaignPart):
    """A contest of the campaign (比学赶超): entries, rounds of scores, a shortlist. Residents see
    its results once it is published."""

    community_path = "campaign__community"

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="contests", verbose_name="创建活动"
    )
    name = models.CharField("名称", max_length=100)
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

    def campaign_of(self):
        return self.campaign


class ContestEntry(CampaignPart):
    """One entry (节目) of a contest, from a community. Results belong to the contest: street
    staff set them for a street-wide contest, not the community that entered."""

    community_path = "contest__campaign__community"

    contest = models.ForeignKey(
        Contest, on_delete=models.CASCADE, related_name="entries", verbose_name="比赛"
    )
    title = models.CharField("节目", max_length=100)
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

    def campaign_of(self):
        return self.contest.campaign

    def clean(self):
        super().clean()
        if (
            self.community_id
            and self.subdistrict_id
            and self.community.subdistrict_id != self.subdistrict_id
        ):
            raise ValidationError({"community": "参赛社区须在比赛所属的街道内。"})


class ContestRound(CampaignPart):
    """A round of a contest: 初赛 for every entry, then the shortlisted ones again."""

    community_path = "contest__campaign__community"

    contest = models.ForeignKey(
        Contest, on_delete=models.CASCADE, related_name="rounds", verbose_name="比赛"
    )
    name = models.CharField("轮次", max_length=50, help_text="如:初赛、展示评选。")
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

    def campaign_of(self):
        return self.contest.campaign


class RoundScore(CampaignPart):
    """An entry's score in one round (out of 100)."""

    community_path = "round__contest__campaign__community"

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

    def campaign_of(self):
        return self.round.contest.campaign

    def clean(self):
        super().clean()
        if self.round_id and self.entry_id and self.round.contest_id != self.entry.contest_id:
            raise ValidationError({"entry": "节目须属于该轮次所在的比赛。"})
