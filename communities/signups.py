"""Households signing up (报名) for what is coming: the 说事会 and 讨论会 of 自治金 and the
volunteer activities. Each app keeps its own sign-up model on the shared abstract bases here
(apps point at communities, never sideways), and every write goes through `signup_save` /
`signup_cancel` / `attendance_record`, whichever app the event belongs to."""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, Subquery, Sum
from django.urls import reverse
from django.utils import timezone

from jinhai.db import subquery_sum
from jinhai.todo import Task, first_with_total

# A household signs up for itself and the people of its home it brings along.
MAX_PEOPLE = 10


class TakesSignups(models.Model):
    """An event households may sign up for: a meeting or an activity, not yet held."""

    signup_open = models.BooleanField(
        "接受报名",
        default=False,
        help_text="勾选后,本社区住户可在“我的 › 参与议事”中报名,直到当天。",
    )
    capacity = models.PositiveIntegerField(
        "名额(人)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1, "名额至少为 1 人。")],
        help_text="报名人数合计的上限;留空为不限。",
    )

    class Meta:
        abstract = True

    def takes_signups(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.signup_open and self.date is not None and self.date >= today


class HouseholdSignup(models.Model):
    """One household's sign-up for one event; the concrete model names the event field in
    `event_field` and holds the unique constraint on (event, household)."""

    event_field = ""

    household = models.ForeignKey(
        "communities.Household",
        on_delete=models.CASCADE,
        related_name="%(class)ss",
        verbose_name="报名住户",
        help_text="公开页只显示报名人数,不显示住户。",
    )
    people = models.PositiveSmallIntegerField(
        "人数",
        validators=[
            MinValueValidator(1, "报名人数至少为 1 人。"),
            MaxValueValidator(MAX_PEOPLE, f"每户最多报名 {MAX_PEOPLE} 人。"),
        ],
        help_text=f"本户来几个人,1 到 {MAX_PEOPLE} 人。",
    )
    created_at = models.DateTimeField("报名时间", auto_now_add=True)
    cancelled_at = models.DateTimeField(
        "取消时间", null=True, blank=True, help_text="住户取消报名的时间;取消的不计人数。"
    )
    attended = models.BooleanField(
        "到场",
        null=True,
        blank=True,
        help_text="会后由工作人员登记:到场、未到场,或尚未登记。",
    )

    class Meta:
        abstract = True
        ordering = ["created_at", "pk"]

    @property
    def event(self):
        return getattr(self, self.event_field)


def _active(signups, event):
    return signups.objects.filter(**{signups.event_field: event}, cancelled_at__isnull=True)


def signed_up(signups):
    """People an event's active sign-ups bring, as a subquery over the events' rows."""
    active = signups.objects.filter(
        **{signups.event_field: OuterRef("pk")}, cancelled_at__isnull=True
    )
    return subquery_sum(active, "people", models.IntegerField())


def upcoming(events, signups, today=None):
    """Events from today on that take sign-ups, soonest first, each with `n_signed_up`."""
    today = today or timezone.localdate()
    return (
        events.filter(signup_open=True, date__gte=today)
        .annotate(n_signed_up=signed_up(signups))
        .order_by("date", "pk")
    )


# How long after an event the household still sees its sign-up (and whether it was counted).
SHOWN_AFTER = datetime.timedelta(days=60)


def for_household(events, signups, household, today=None) -> list:
    """The events of the household's community it may sign up for, and those of the last
    `SHOWN_AFTER` it signed up for; each with `n_signed_up` and this household's sign-up as
    `mine_people`, `mine_cancelled` and `mine_attended` (None when it has none). One query."""
    today = today or timezone.localdate()
    mine = signups.objects.filter(**{signups.event_field: OuterRef("pk")}, household=household)
    return list(
        events.filter(community=household.community_id)
        .filter(
            Q(signup_open=True, date__gte=today) | Q(Exists(mine), date__gte=today - SHOWN_AFTER)
        )
        .annotate(
            n_signed_up=signed_up(signups),
            mine_people=Subquery(mine.values("people")[:1]),
            mine_cancelled=Subquery(mine.values("cancelled_at")[:1]),
            mine_attended=Subquery(mine.values("attended")[:1]),
        )
        .order_by("date", "pk")
    )


def taken(signups, event) -> int:
    """How many people the event's active sign-ups bring."""
    return _active(signups, event).aggregate(n=Sum("people"))["n"] or 0


@transaction.atomic
def signup_save(*, signups, event, household, people):
    """Sign a household up for an event of its community that takes sign-ups, or change how
    many it brings. The event row is locked so that two households cannot both take the last
    places."""
    try:
        people = int(people)
    except (TypeError, ValueError):
        raise ValidationError("报名人数须是 1 到 10 的整数。") from None
    if not 1 <= people <= MAX_PEOPLE:
        raise ValidationError(f"每户报名 1 到 {MAX_PEOPLE} 人。")
    event = type(event).objects.select_for_update().get(pk=event.pk)
    if event.community_id != household.community_id:
        raise ValidationError("只能报名本社区的会议和活动。")
    if not event.takes_signups():
        raise ValidationError(f"“{event}”不接受报名或已经结束报名。")
    mine = signups.objects.filter(**{signups.event_field: event}, household=household).first()
    if event.capacity is not None:
        others = taken(signups, event) - (mine.people if mine and not mine.cancelled_at else 0)
        if others + people > event.capacity:
            left = max(event.capacity - others, 0)
            raise ValidationError(
                f"“{event}”名额 {event.capacity} 人,还剩 {left} 个名额,不够本户 {people} 人。"
            )
    if mine is None:
        return signups.objects.create(
            **{signups.event_field: event}, household=household, people=people
        )
    mine.people, mine.cancelled_at = people, None
    mine.save(update_fields=["people", "cancelled_at"])
    return mine


@transaction.atomic
def signup_cancel(*, signups, event, household) -> bool:
    """Cancel the household's sign-up while the event still takes sign-ups."""
    if not event.takes_signups():
        raise ValidationError(f"“{event}”已结束报名,不能再取消。")
    mine = (
        signups.objects.select_for_update()
        .filter(**{signups.event_field: event}, household=household, cancelled_at__isnull=True)
        .first()
    )
    if mine is None:
        return False
    mine.cancelled_at = timezone.now()
    mine.save(update_fields=["cancelled_at"])
    return True


def attendance_record(*, queryset, attended: bool) -> int:
    """After the event, staff record who came (or did not) among the chosen sign-ups."""
    today = timezone.localdate()
    rows = list(queryset.filter(cancelled_at__isnull=True))
    early = [s for s in rows if s.event.date > today]
    if early:
        raise ValidationError(f"“{early[0].event}”还没有举行,到场情况在当天或之后登记。")
    for signup in rows:
        signup.attended = attended
        signup.save(update_fields=["attended"])
    return len(rows)


def this_week(signups, *, days=7):
    """A 待办 (jinhai.todo) task source: the events of the next `days` days (today included)
    that households signed up for, soonest first, each linking to its sign-ups."""

    def tasks(scope, today, limit):
        events = signups._meta.get_field(signups.event_field).related_model
        opts = signups._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        rows, total = first_with_total(
            scope.filter(
                events.objects.filter(
                    date__gte=today, date__lt=today + datetime.timedelta(days=days)
                )
            )
            .annotate(n_signed_up=signed_up(signups))
            .filter(n_signed_up__gt=0)
            .select_related("community")
            .order_by("date", "pk"),
            limit,
        )
        found = [
            Task(
                title=str(event),
                url=f"{url}?{signups.event_field}__id__exact={event.pk}",
                detail=f"{event.community.name} · 已报名 {event.n_signed_up} 人"
                + (f",名额 {event.capacity} 人" if event.capacity else ""),
                due=event.date,
            )
            for event in rows
        ]
        return found, total

    return tasks
