"""美丽约定: "beautiful agreement" point schemes kept as a ledger.

A scheme's households and shops hold accounts; staff record points per written rule (考核细则);
every change to a balance is an entry, entries are never edited or deleted, and a correction is a
reversing entry. The balance kept on the account always equals the sum of its entries.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from communities.models import Community, Compound, Household
from jinhai.scoping import ScopedQuerySet
from jinhai.uploads import PhotoField, RandomName
from jinhai.validators import validate_public_text


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
    name = models.CharField(
        "约定名称",
        max_length=100,
        help_text="如:金水苑美丽约定积分制。",
        validators=[validate_public_text],
    )
    kind = models.CharField("版本", max_length=10, choices=SchemeKind.choices)
    text = models.TextField(
        "约定内容", help_text="公开显示的美丽约定全文。", validators=[validate_public_text]
    )
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
    description = models.CharField("细则内容", max_length=200, validators=[validate_public_text])
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


class AccountQuerySet(ScopedQuerySet):
    def ranked(self):
        """Highest balance first; the (scheme, -balance, id) index serves this order directly."""
        return self.order_by("-balance", "pk")


class Account(models.Model):
    """A household's or shop's points in one scheme: the household is the place, the account
    its standing under one agreement."""

    community_path = "scheme__community"

    scheme = models.ForeignKey(
        AgreementScheme, on_delete=models.PROTECT, related_name="accounts", verbose_name="美丽约定"
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        related_name="accounts",
        verbose_name="住户/商铺",
        help_text="积分记在哪一户或哪家商铺名下。",
    )
    balance = models.IntegerField(
        "积分余额", default=0, editable=False, help_text="由积分明细自动计算,不能直接修改。"
    )

    objects = AccountQuerySet.as_manager()

    class Meta:
        verbose_name = "积分账户"
        verbose_name_plural = "积分账户"
        ordering = ["scheme", "household"]
        indexes = [models.Index(fields=["scheme", "-balance", "id"], name="account_board")]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "household"],
                name="one_account_per_household_in_scheme",
                violation_error_message="该住户(商铺)在本约定中已有账户。",
            ),
            models.CheckConstraint(
                condition=Q(balance__gte=0),
                name="account_balance_not_negative",
                violation_error_message="积分余额不能小于 0。",
            ),
        ]

    def __str__(self):
        return str(self.household) if self.household_id else "积分账户"

    @property
    def kind(self):
        return self.household.kind

    def clean(self):
        community_id = self.scheme.community_id if self.scheme_id else None
        if (
            self.household_id
            and community_id
            and self.household.place_community_id() != community_id
        ):
            raise ValidationError({"household": "住户(商铺)须在该约定所属的社区内。"})


class PetKind(models.TextChoices):
    DOG = "dog", "犬"
    CAT = "cat", "猫"
    OTHER = "other", "其他"


class PetStatus(models.TextChoices):
    PENDING = "pending", "待确认"
    CONFIRMED = "confirmed", "已确认"


class Pet(models.Model):
    """A household's pet, recorded for the 文明养宠 version, whose rules are about pets. A
    household may register or update its pets; staff confirm what it says."""

    community_path = "household__community"

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="pets", verbose_name="住户"
    )
    name = models.CharField("名字", max_length=30)
    kind = models.CharField("种类", max_length=10, choices=PetKind.choices)
    registered_on = models.DateField("犬只登记日期", null=True, blank=True)
    vaccinated_on = models.DateField("最近免疫日期", null=True, blank=True)
    status = models.CharField(
        "状态",
        max_length=10,
        choices=PetStatus.choices,
        default=PetStatus.CONFIRMED,
        help_text="住户自己登记或修改的信息为“待确认”,工作人员核实后确认。",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "宠物"
        verbose_name_plural = "宠物"
        ordering = ["household", "name"]

    def __str__(self):
        return f"{self.name}({self.get_kind_display()})"


class Reward(models.Model):
    community_path = "scheme__community"

    scheme = models.ForeignKey(
        AgreementScheme, on_delete=models.PROTECT, related_name="rewards", verbose_name="美丽约定"
    )
    name = models.CharField("奖品", max_length=100, validators=[validate_public_text])
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
    evidence = PhotoField("佐证照片", upload_to=RandomName("points"), blank=True)
    note = models.CharField("备注", max_length=200, blank=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = "积分明细"
        verbose_name_plural = "积分明细"
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["account", "date"], name="entry_account_date"),
            # The ledger's list, newest first, read straight off an index at any size.
            models.Index(fields=["-date", "-id"], name="entry_recent"),
        ]
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

    # The scheme is the account's (the trigger writes both): one join fewer to the community.
    community_path = "scheme__community"

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
        ordering = ["-month", "-points", "id"]
        indexes = [
            models.Index(fields=["scheme", "month", "-points"], name="monthly_board"),
            models.Index(fields=["-month", "-points", "id"], name="monthly_recent"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["account", "month"], name="monthly_points_once")
        ]

    def __str__(self):
        return f"{self.account} {self.month:%Y年%m月} {self.points}分"
