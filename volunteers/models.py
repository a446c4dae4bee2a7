"""The "两长": building-group leaders (楼组长) and street leaders (街面长), their appointments,
training and volunteer service."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import DecimalField, Exists, F, OuterRef, Q

from communities.household import community_of_place
from communities.models import (
    BuildingGroup,
    Community,
    Gender,
    StreetZone,
    Subdistrict,
    community_outside_subdistrict,
)
from communities.signups import HouseholdSignup, TakesSignups
from jinhai.db import contains_all, subquery_count, subquery_sum
from jinhai.fields import MobileField, PinyinSorted, PinyinSortedQuerySet
from jinhai.scoping import ScopedQuerySet
from jinhai.uploads import PhotoField, RandomName
from jinhai.validators import validate_public_text


class PoliticalStatus(models.TextChoices):
    PARTY = "party", "中共党员"
    PROBATIONARY = "probationary", "中共预备党员"
    LEAGUE = "league", "共青团员"
    DEMOCRATIC = "democratic", "民主党派"
    MASSES = "masses", "群众"


class Volunteer(PinyinSorted):
    sort_key_person = True

    community_path = "community"

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="volunteers",
        verbose_name="所属社区",
        help_text="志愿者所在的社区;其担任楼组长、街面长的楼组或街面须在该社区内。",
    )
    name = models.CharField("姓名", max_length=30, validators=[validate_public_text])
    gender = models.CharField("性别", max_length=10, choices=Gender.choices, blank=True)
    mobile = MobileField(
        "手机号",
        unique=True,
        error_messages={"unique": "该手机号已登记为另一位志愿者。"},
        help_text="11 位手机号;空格、“+86”和全角数字会自动整理。只对工作人员完整显示。",
    )
    political_status = models.CharField(
        "政治面貌", max_length=20, choices=PoliticalStatus.choices, blank=True
    )
    photo = PhotoField("照片", upload_to=RandomName("volunteers"), blank=True)
    notes = models.TextField("备注", blank=True)

    objects = PinyinSortedQuerySet.as_manager()

    class Meta:
        verbose_name = "志愿者"
        verbose_name_plural = "志愿者"
        ordering = ["community", "sort_key", "name"]

    def __str__(self):
        return self.name


class LeaderKind(models.TextChoices):
    BUILDING = "building", "楼组长"
    STREET = "street", "街面长"


class AppointmentQuerySet(ScopedQuerySet):
    def current(self):
        """Appointments in force: a leader stays one until an end date is set."""
        return self.filter(end__isnull=True)

    def building(self):
        return self.filter(kind=LeaderKind.BUILDING)

    def street(self):
        return self.filter(kind=LeaderKind.STREET)

    def matching(self, terms):
        """Appointments of people whose name contains every term (the public search)."""
        return self.filter(contains_all("volunteer__name", terms))


def has_current_leader(unit_field: str):
    """Exists(...) for annotating building groups or street zones with whether they are led."""
    return Exists(Appointment.objects.current().filter(**{unit_field: OuterRef("pk")}).values("pk"))


class Appointment(models.Model):
    """One person leading one unit for a time. Ending it keeps it as history."""

    community_path = "volunteer__community"

    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="appointments", verbose_name="志愿者"
    )
    kind = models.CharField("类型", max_length=10, choices=LeaderKind.choices)
    building_group = models.ForeignKey(
        BuildingGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leader_appointments",
        verbose_name="楼组",
        help_text="楼组长填写;街面长留空。",
    )
    street_zone = models.ForeignKey(
        StreetZone,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leader_appointments",
        verbose_name="街面",
        help_text="街面长填写;楼组长留空。",
    )
    selected_on = models.DateField("推选日期", null=True, blank=True)
    start = models.DateField("任期开始")
    end = models.DateField(
        "任期结束",
        null=True,
        blank=True,
        help_text="留空表示仍在任。更换人选时填写原任的结束日期。",
    )
    end_reason = models.CharField("离任原因", max_length=100, blank=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = "两长任职"
        verbose_name_plural = "两长任职"
        ordering = ["-start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind=LeaderKind.BUILDING)
                    & Q(building_group__isnull=False)
                    & Q(street_zone__isnull=True)
                )
                | (
                    Q(kind=LeaderKind.STREET)
                    & Q(street_zone__isnull=False)
                    & Q(building_group__isnull=True)
                ),
                name="appointment_unit_matches_kind",
                violation_error_message="楼组长须对应一个楼组、不填街面;街面长须对应一个街面、不填楼组。",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                name="appointment_ends_after_start",
                violation_error_message="任期结束日期不能早于任期开始日期。",
            ),
            models.UniqueConstraint(
                fields=["building_group"],
                condition=Q(end__isnull=True),
                name="one_current_leader_per_building_group",
                violation_error_message="该楼组已有一名在任楼组长;请先结束其任期再任命新人。",
            ),
            models.UniqueConstraint(
                fields=["street_zone"],
                condition=Q(end__isnull=True),
                name="one_current_leader_per_street_zone",
                violation_error_message="该街面已有一名在任街面长;请先结束其任期再任命新人。",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.volunteer} · {self.unit}"

    @property
    def unit(self):
        return self.building_group if self.kind == LeaderKind.BUILDING else self.street_zone

    @property
    def is_current(self):
        return self.end is None

    def unit_community_id(self):
        return community_of_place(self)

    def clean(self):
        has_unit = self.building_group_id or self.street_zone_id
        if (
            self.volunteer_id
            and has_unit
            and self.unit_community_id() != self.volunteer.community_id
        ):
            raise ValidationError("任职的楼组或街面须在该志愿者所在的社区内。")
        # An import has judged the whole file's units at once (and, in a 换届, ends the holder
        # in the same transaction): no query per row.
        if getattr(self, "units_checked", False):
            return
        if (other := self.leader_in_the_way()) is not None:
            raise ValidationError(in_the_way_message(other), code="leader_in_the_way")

    def leader_in_the_way(self):
        """The unit's other current leader, if this (current) appointment would be a second."""
        if self.end is not None:
            return None
        if self.kind == LeaderKind.BUILDING and self.building_group_id:
            unit = {"building_group_id": self.building_group_id}
        elif self.kind == LeaderKind.STREET and self.street_zone_id:
            unit = {"street_zone_id": self.street_zone_id}
        else:
            return None  # no unit, or not the kind's: the constraints say so
        others = Appointment.objects.current().filter(**unit).exclude(pk=self.pk)
        return others.select_related("volunteer").first()

    def validate_constraints(self, exclude=None):
        # A second current leader is named by clean(); the unique constraint's own message,
        # which names nobody, would only repeat it.
        if self.leader_in_the_way() is not None:
            exclude = {*(exclude or ()), "building_group", "street_zone"}
        super().validate_constraints(exclude=exclude)


def in_the_way_message(other) -> str:
    """该楼组已有一名在任楼组长:张三(2022-07-01 起)…: who is in the way, and since when."""
    where = "该楼组" if other.kind == LeaderKind.BUILDING else "该街面"
    return (
        f"{where}已有一名在任{other.get_kind_display()}:{other.volunteer.name}"
        f"({other.start:%Y-%m-%d} 起)。请先结束其任期,或用“更换楼组长/街面长”一步完成。"
    )


class TrainingMode(models.TextChoices):
    ONLINE = "online", "线上"
    OFFLINE = "offline", "线下"
    FIELD = "field", "实地教学"


class TrainingQuerySet(ScopedQuerySet):
    def with_attendance(self):
        return self.annotate(
            n_invited=subquery_count(Attendance.objects.filter(training=OuterRef("pk"))),
            n_attended=subquery_count(
                Attendance.objects.filter(training=OuterRef("pk"), attended=True)
            ),
        )


class Training(models.Model):
    """A training session, run by the street office (community empty) or by one community."""

    community_path = "community"
    subdistrict_path = "subdistrict"

    subdistrict = models.ForeignKey(
        Subdistrict, on_delete=models.PROTECT, related_name="trainings", verbose_name="街道"
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="trainings",
        verbose_name="社区",
        help_text="居委会组织的培训选择本社区;街道统一组织的培训留空。",
    )
    title = models.CharField("培训名称", max_length=100, validators=[validate_public_text])
    date = models.DateField("日期")
    mode = models.CharField("形式", max_length=10, choices=TrainingMode.choices)
    organiser = models.CharField(
        "组织方", max_length=100, blank=True, validators=[validate_public_text]
    )
    topics = models.TextField("培训内容", blank=True, validators=[validate_public_text])

    objects = TrainingQuerySet.as_manager()

    class Meta:
        verbose_name = "培训"
        verbose_name_plural = "培训"
        ordering = ["-date", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["subdistrict", "title", "date"],
                name="training_unique_title_date",
                violation_error_message="同一天已有同名培训。",
            )
        ]

    def __str__(self):
        return f"{self.title}({self.date:%Y-%m-%d})" if self.date else self.title

    def clean(self):
        if errors := community_outside_subdistrict(self):
            raise ValidationError(errors)


class Attendance(models.Model):
    community_path = "volunteer__community"

    training = models.ForeignKey(
        Training, on_delete=models.CASCADE, related_name="attendances", verbose_name="培训"
    )
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="attendances", verbose_name="志愿者"
    )
    attended = models.BooleanField("出席", default=True)
    note = models.CharField("备注", max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "培训签到"
        verbose_name_plural = "培训签到"
        ordering = ["training", "volunteer"]
        constraints = [
            models.UniqueConstraint(
                fields=["training", "volunteer"],
                name="attendance_once_per_training",
                violation_error_message="该志愿者在本次培训中已有签到记录。",
            )
        ]

    def __str__(self):
        return f"{self.volunteer} · {self.training}"


class ActivityKind(models.TextChoices):
    EPIDEMIC = "epidemic", "疫情防控支援"
    FIRE_DRILL = "fire_drill", "消防演习"
    DELIBERATION = "deliberation", "说事会"
    COMPOUND = "compound", "小区志愿服务"
    OTHER = "other", "其他"


HOURS = DecimalField(max_digits=9, decimal_places=1)


class ActivityQuerySet(ScopedQuerySet):
    def with_totals(self):
        participations = Participation.objects.filter(activity=OuterRef("pk"))
        return self.annotate(
            n_participants=subquery_count(participations),
            total_hours=subquery_sum(participations, "hours", HOURS),
        )


class Activity(TakesSignups):
    """A volunteer activity; one entered before it is held may take households' sign-ups."""

    community_path = "community"

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="activities", verbose_name="社区"
    )
    title = models.CharField("活动名称", max_length=100, validators=[validate_public_text])
    kind = models.CharField("类型", max_length=20, choices=ActivityKind.choices)
    date = models.DateField("日期")
    place = models.CharField("地点", max_length=100, blank=True, validators=[validate_public_text])
    description = models.TextField("活动内容", blank=True, validators=[validate_public_text])

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = "志愿服务活动"
        verbose_name_plural = "志愿服务活动"
        ordering = ["-date", "title"]

    def __str__(self):
        return f"{self.title}({self.date:%Y-%m-%d})" if self.date else self.title


class Participation(models.Model):
    community_path = "activity__community"

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="participations", verbose_name="活动"
    )
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="participations", verbose_name="志愿者"
    )
    hours = models.DecimalField(
        "服务时长(小时)", max_digits=4, decimal_places=1, help_text="本次服务的小时数,如 2.5。"
    )
    note = models.CharField("备注", max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "服务记录"
        verbose_name_plural = "服务记录"
        ordering = ["activity", "volunteer"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "volunteer"],
                name="participation_once_per_activity",
                violation_error_message="该志愿者在本次活动中已有服务记录。",
            ),
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24),
                name="participation_hours_in_a_day",
                violation_error_message="服务时长应大于 0、不超过 24 小时。",
            ),
        ]

    def __str__(self):
        return f"{self.volunteer} · {self.activity}"


class ActivitySignup(HouseholdSignup):
    """A household's sign-up (报名) for a volunteer activity that takes them; written by
    `communities.signups` only."""

    community_path = "activity__community"
    event_field = "activity"

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="signups", verbose_name="活动"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta(HouseholdSignup.Meta):
        verbose_name = "活动报名"
        verbose_name_plural = "活动报名"
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "household"],
                name="one_signup_per_household_activity",
                violation_error_message="本户已报名这次活动。",
            ),
        ]

    def __str__(self):
        return f"报名 {self.activity}" if self.activity_id else "活动报名"
