"""The map of places and committees that every other app points into.

Subdistrict (街道) -> Community (社区/居委会) -> Compound (小区) -> BuildingGroup (楼组), and
Community -> StreetZone (沿街商铺/商圈). Committees are elected per community (Election) and made of
members (CommitteeMember) who hold one or more roles.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery

from jinhai.db import contains_all, subquery_count
from jinhai.fields import PinyinSorted, PinyinSortedQuerySet
from jinhai.scoping import ScopedQuerySet
from jinhai.uploads import PhotoField, RandomName, public_flag
from jinhai.validators import validate_office_phone, validate_public_text


class SubdistrictQuerySet(ScopedQuerySet):
    def with_figures(self):
        """The counts the public home page shows, computed from the rows themselves."""
        return self.annotate(
            n_communities=subquery_count(Community.objects.filter(subdistrict=OuterRef("pk"))),
            n_compounds=subquery_count(
                Compound.objects.filter(community__subdistrict=OuterRef("pk"))
            ),
            n_building_groups=subquery_count(
                BuildingGroup.objects.filter(compound__community__subdistrict=OuterRef("pk"))
            ),
            n_street_zones=subquery_count(
                StreetZone.objects.filter(community__subdistrict=OuterRef("pk"))
            ),
        )


class Subdistrict(models.Model):
    is_subdistrict_model = True

    name = models.CharField(
        "街道名称",
        max_length=50,
        unique=True,
        help_text="如:金海街道。",
        validators=[validate_public_text],
    )
    district = models.CharField(
        "所属区",
        max_length=50,
        blank=True,
        help_text="如:奉贤区。",
        validators=[validate_public_text],
    )
    city = models.CharField(
        "所属市", max_length=50, blank=True, default="上海市", validators=[validate_public_text]
    )
    office_address = models.CharField(
        "街道办地址", max_length=200, blank=True, validators=[validate_public_text]
    )
    office_phone = models.CharField(
        "街道办电话",
        max_length=30,
        blank=True,
        validators=[validate_office_phone],
        help_text="公开显示的固定电话,如 021-57123456。",
    )
    introduction = models.TextField(
        "简介", blank=True, help_text="显示在公开首页。", validators=[validate_public_text]
    )

    objects = SubdistrictQuerySet.as_manager()

    class Meta:
        verbose_name = "街道"
        verbose_name_plural = "街道"
        ordering = ["name"]

    def __str__(self):
        return self.name


class CommunityKind(models.TextChoices):
    COMMODITY = "commodity", "商品房社区"
    RESETTLEMENT = "resettlement", "动迁安置社区"
    RENTAL = "rental", "保障性租赁住房(保租房)社区"
    MIXED = "mixed", "混合型社区"


class CommunityQuerySet(PinyinSortedQuerySet):
    def with_counts(self):
        """Annotate the figures a list of communities shows, one subquery each."""
        return self.annotate(
            n_compounds=subquery_count(Compound.objects.filter(community=OuterRef("pk"))),
            n_building_groups=subquery_count(
                BuildingGroup.objects.filter(compound__community=OuterRef("pk"))
            ),
            n_street_zones=subquery_count(StreetZone.objects.filter(community=OuterRef("pk"))),
        )

    def matching(self, terms):
        """Communities whose name contains every term (the public search)."""
        return self.filter(contains_all("name", terms))


class Community(PinyinSorted):
    community_path = ""

    subdistrict = models.ForeignKey(
        Subdistrict,
        on_delete=models.PROTECT,
        related_name="communities",
        verbose_name="所属街道",
    )
    name = models.CharField(
        "社区名称",
        max_length=50,
        help_text="如:正学社区。同一街道内不能重名。",
        validators=[validate_public_text],
    )
    kind = models.CharField(
        "社区类型",
        max_length=20,
        choices=CommunityKind.choices,
        default=CommunityKind.COMMODITY,
        help_text="保租房小区成立的居委会选“保障性租赁住房(保租房)社区”。",
    )
    office_address = models.CharField(
        "居委会办公地址",
        max_length=200,
        blank=True,
        help_text="公开显示,供居民上门办事。",
        validators=[validate_public_text],
    )
    office_phone = models.CharField(
        "居委会办公电话",
        max_length=30,
        blank=True,
        validators=[validate_office_phone],
        help_text="公开显示的固定电话,如 021-57123456;不要填写个人手机号。",
    )
    office_hours = models.CharField(
        "办公时间",
        max_length=100,
        blank=True,
        help_text="如:工作日 8:30-17:00。",
        validators=[validate_public_text],
    )
    introduction = models.TextField(
        "社区简介", blank=True, help_text="显示在社区公开页面。", validators=[validate_public_text]
    )
    sort_order = models.PositiveSmallIntegerField(
        "排序", default=0, help_text="数字小的排在前面;相同时按名称排序。"
    )

    objects = CommunityQuerySet.as_manager()

    class Meta:
        verbose_name = "社区(居委会)"
        verbose_name_plural = "社区(居委会)"
        ordering = ["sort_order", "sort_key", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["subdistrict", "name"],
                name="community_name_unique_in_subdistrict",
                violation_error_message="该街道下已有同名社区。",
            )
        ]

    def __str__(self):
        return self.name

    def current_election(self):
        return self.elections.order_by("-date").first()


class CompoundQuerySet(PinyinSortedQuerySet):
    def with_counts(self):
        return self.annotate(
            n_building_groups=subquery_count(BuildingGroup.objects.filter(compound=OuterRef("pk")))
        )

    def matching(self, terms):
        """Compounds whose name contains every term (the public search)."""
        return self.filter(contains_all("name", terms))


class Compound(PinyinSorted):
    community_path = "community"

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="compounds", verbose_name="所属社区"
    )
    name = models.CharField(
        "小区名称",
        max_length=50,
        help_text="如:金水苑。同一社区内不能重名。",
        validators=[validate_public_text],
    )
    address = models.CharField(
        "地址", max_length=200, blank=True, validators=[validate_public_text]
    )
    households = models.PositiveIntegerField("户数", null=True, blank=True)

    objects = CompoundQuerySet.as_manager()

    class Meta:
        verbose_name = "小区"
        verbose_name_plural = "小区"
        ordering = ["community__sort_order", "community__sort_key", "sort_key", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "name"],
                name="compound_name_unique_in_community",
                violation_error_message="该社区下已有同名小区。",
            )
        ]

    def __str__(self):
        return self.name


class BuildingGroup(models.Model):
    community_path = "compound__community"

    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="building_groups", verbose_name="所属小区"
    )
    name = models.CharField(
        "楼组名称",
        max_length=50,
        help_text="如:12号楼、3号楼1单元。同一小区内不能重名。",
        validators=[validate_public_text],
    )
    address = models.CharField(
        "地址", max_length=200, blank=True, validators=[validate_public_text]
    )
    households = models.PositiveIntegerField("户数", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "楼组"
        verbose_name_plural = "楼组"
        ordering = ["compound", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["compound", "name"],
                name="building_group_name_unique_in_compound",
                violation_error_message="该小区下已有同名楼组。",
            )
        ]

    def __str__(self):
        return f"{self.compound} {self.name}" if self.compound_id else self.name


class StreetZone(models.Model):
    community_path = "community"

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="street_zones", verbose_name="所属社区"
    )
    name = models.CharField(
        "街面名称",
        max_length=50,
        help_text="沿街商铺或商圈的名称。同一社区内不能重名。",
        validators=[validate_public_text],
    )
    extent = models.CharField(
        "范围",
        max_length=200,
        blank=True,
        help_text="如:金海路(望园路—金水路)北侧。",
        validators=[validate_public_text],
    )
    shops = models.PositiveIntegerField("商铺数", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "街面(沿街商铺/商圈)"
        verbose_name_plural = "街面(沿街商铺/商圈)"
        ordering = ["community__sort_order", "community__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "name"],
                name="street_zone_name_unique_in_community",
                violation_error_message="该社区下已有同名街面。",
            )
        ]

    def __str__(self):
        return self.name


class ElectionQuerySet(ScopedQuerySet):
    def latest_per_community(self):
        """The election that produced each community's sitting committee."""
        newest = Election.objects.filter(community=OuterRef("community")).order_by("-date")
        return self.filter(pk=Subquery(newest.values("pk")[:1]))


class Election(models.Model):
    community_path = "community"

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="elections", verbose_name="社区"
    )
    date = models.DateField("选举日期")
    seats = models.PositiveSmallIntegerField(
        "职数", help_text="本届居委会成员职数(主任、副主任、委员合计);成员人数不能超过职数。"
    )
    eligible_voters = models.PositiveIntegerField("登记选民数", null=True, blank=True)
    ballots_cast = models.PositiveIntegerField(
        "参选人数", null=True, blank=True, help_text="参加投票的选民数,用于计算参选率。"
    )
    notes = models.TextField("备注", blank=True)

    objects = ElectionQuerySet.as_manager()

    class Meta:
        verbose_name = "居委会选举"
        verbose_name_plural = "居委会选举"
        ordering = ["-date"]
        get_latest_by = "date"
        constraints = [
            models.UniqueConstraint(
                fields=["community", "date"],
                name="election_unique_per_day",
                violation_error_message="该社区在这一天已有一次选举记录。",
            ),
            models.CheckConstraint(
                condition=Q(seats__gte=1),
                name="election_has_seats",
                violation_error_message="职数至少为 1。",
            ),
            models.CheckConstraint(
                condition=Q(ballots_cast__isnull=True)
                | Q(eligible_voters__isnull=True)
                | Q(ballots_cast__lte=F("eligible_voters")),
                name="election_ballots_within_voters",
                violation_error_message="参选人数不能多于登记选民数。",
            ),
        ]

    def __str__(self):
        return f"{self.community} {self.date:%Y年%m月}选举" if self.community_id else "选举"

    @property
    def turnout(self):
        """Share of registered voters who voted, 0..1, or None when not recorded."""
        if not self.eligible_voters or self.ballots_cast is None:
            return None
        return self.ballots_cast / self.eligible_voters

    def clean(self):
        if self.pk and self.seats:
            check_seats(self, self.members.count())


def community_outside_subdistrict(obj) -> dict:
    """The rule for rows that name a subdistrict and, optionally, one of its communities (a
    street-wide or a community's training, campaign, activity, station): {field: message}."""
    if obj.community_id and obj.subdistrict_id != obj.community.subdistrict_id:
        return {"community": "社区须属于所选街道。"}
    return {}


def check_seats(election, member_count: int) -> None:
    """The one rule on committee size, used by the model, the admin inline and imports."""
    if election.seats and member_count > election.seats:
        raise ValidationError(
            f"本届职数为 {election.seats} 名,成员不能有 {member_count} 名。",
            code="too_many_members",
        )


class RoleCode(models.TextChoices):
    SECRETARY = "secretary", "书记"
    DIRECTOR = "director", "主任"
    DEPUTY = "deputy", "副主任"
    MEMBER = "member", "委员"


class Role(models.Model):
    """A committee role. A member holding secretary and director at once is "书记主任一肩挑"."""

    code = models.CharField("代码", max_length=20, primary_key=True, choices=RoleCode.choices)
    rank = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "职务"
        verbose_name_plural = "职务"
        ordering = ["rank"]

    def __str__(self):
        return self.get_code_display()


class Gender(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


# Migration 0001 names it; new photos get random names (RandomName below).
def committee_photo_path(instance, filename):
    return f"committee/{instance.election.community_id}/{filename}"


class CommitteeMemberQuerySet(ScopedQuerySet):
    def sitting(self):
        return self.filter(election__in=Election.objects.latest_per_community())

    def shown_publicly(self):
        """Members whose portrait the committee page shows: the sitting committee only (a former
        member's portrait is on no public page, so it is not a public file any more), and only
        with 照片公开 ticked, the member's consent to publish it."""
        return self.sitting().filter(photo_public=True)


class CommitteeMember(models.Model):
    community_path = "election__community"
    public_file_fields = ("photo",)

    election = models.ForeignKey(
        Election,
        on_delete=models.CASCADE,
        related_name="members",
        verbose_name="选举",
        help_text="该成员当选的那次选举。",
    )
    name = models.CharField("姓名", max_length=30, validators=[validate_public_text])
    gender = models.CharField("性别", max_length=10, choices=Gender.choices, blank=True)
    roles = models.ManyToManyField(
        Role,
        verbose_name="职务",
        related_name="members",
        help_text="可多选:书记兼任主任(“一肩挑”)时同时勾选“书记”和“主任”。",
    )
    term_start = models.DateField("任期开始")
    term_end = models.DateField("任期结束", null=True, blank=True, help_text="届满或离任日期。")
    photo = PhotoField("照片", upload_to=RandomName("committee"), blank=True)
    photo_public = public_flag("勾选后照片在社区公开页的居委会成员中显示(仅限本届);须本人同意。")
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    objects = CommitteeMemberQuerySet.as_manager()

    class Meta:
        verbose_name = "居委会成员"
        verbose_name_plural = "居委会成员"
        ordering = ["election", "sort_order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__isnull=True) | Q(term_end__gte=F("term_start")),
                name="member_term_ends_after_start",
                violation_error_message="任期结束日期不能早于任期开始日期。",
            ),
            models.UniqueConstraint(
                fields=["election", "name"],
                name="member_unique_per_election",
                violation_error_message="本次选举已有同名成员。",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.election_id and self._state.adding:
            check_seats(self.election, self.election.members.count() + 1)

    def role_labels(self):
        """Roles in rank order, e.g. "书记、主任"; uses prefetched roles when present."""
        return "、".join(str(r) for r in sorted(self.roles.all(), key=lambda r: r.rank))


class StaffProfile(models.Model):
    """Where a staff user works: a whole subdistrict, or one community."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_profile",
        verbose_name="用户",
    )
    subdistrict = models.ForeignKey(
        Subdistrict,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name="所属街道",
        help_text="街道工作人员:可查看和管理本街道全部社区的数据。",
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name="所属社区",
        help_text="居委会工作人员:只能查看和管理本社区的数据。",
    )

    class Meta:
        verbose_name = "工作人员归属"
        verbose_name_plural = "工作人员归属"
        constraints = [
            models.CheckConstraint(
                condition=(Q(subdistrict__isnull=False) & Q(community__isnull=True))
                | (Q(subdistrict__isnull=True) & Q(community__isnull=False)),
                name="staff_profile_exactly_one_place",
                violation_error_message="请在“所属街道”和“所属社区”中选择且只选择一项。",
            )
        ]

    def __str__(self):
        return f"{self.user} @ {self.community or self.subdistrict}"

    @classmethod
    def placement_of(cls, user):
        """(subdistrict id, community id or None) of a staff user, or None if placed nowhere: what
        `jinhai.scoping.Scope` is built from, in one query."""
        row = (
            cls.objects.filter(user_id=user.pk)
            .values_list("subdistrict_id", "community_id", "community__subdistrict_id")
            .first()
        )
        if row is None:
            return None
        subdistrict_id, community_id, community_subdistrict_id = row
        if community_id:
            return community_subdistrict_id, community_id
        return subdistrict_id, None


# The leaf of the place tree lives in its own module (it names the models above by label).
from .household import Household, HouseholdKind, HouseholdSession  # noqa: E402, F401
